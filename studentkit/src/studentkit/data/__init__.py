"""The course's data: Fashion-MNIST, located, verified, cached and batched.

Typical use in a notebook::

    from studentkit.data import load_data_fashion_mnist, text_labels
    train_iter, test_iter = load_data_fashion_mnist(batch_size=256)

Run ``python -m studentkit.data`` once to locate, verify and cache the data. In a notebook a data
problem shows as the same one line that command prints, not a traceback.
"""

from .batches import TensorBatches, load_data_fashion_mnist
from .errors import CorruptDataError, DataError, DataNotFoundError
from .fashion_mnist import CLASS_NAMES, FashionMNIST, load_fashion_mnist, text_labels
from .notebook import install as _install_notebook_handler

_install_notebook_handler()  # in a notebook, a data problem shows as one line (see .notebook)

__all__ = [
    "CLASS_NAMES",
    "CorruptDataError",
    "DataError",
    "DataNotFoundError",
    "FashionMNIST",
    "TensorBatches",
    "load_data_fashion_mnist",
    "load_fashion_mnist",
    "text_labels",
]
