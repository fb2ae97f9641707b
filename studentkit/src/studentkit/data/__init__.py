"""The course's data: Fashion-MNIST, located, verified, cached and batched.

Typical use in a notebook::

    from studentkit.data import load_data_fashion_mnist, text_labels
    train_iter, test_iter = load_data_fashion_mnist(batch_size=256)

Run ``python -m studentkit.data`` once to locate, verify and cache the data. In a notebook a data
problem shows as the same one line that command prints, not a traceback.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import CorruptDataError, DataError, DataNotFoundError
from .notebook import install as _install_notebook_handler

if TYPE_CHECKING:
    from .batches import TensorBatches, load_data_fashion_mnist
    from .fashion_mnist import CLASS_NAMES, FashionMNIST, load_fashion_mnist, text_labels

_install_notebook_handler()  # in a notebook, a data problem shows as one line (see .notebook)

_NEEDS_TORCH = {"TensorBatches": ".batches", "load_data_fashion_mnist": ".batches", "CLASS_NAMES": ".fashion_mnist",
                "FashionMNIST": ".fashion_mnist", "load_fashion_mnist": ".fashion_mnist", "text_labels": ".fashion_mnist"}
"""Names imported on first use, so that ``studentkit.data.cache.cache_dir`` (where the grader looks
for the data) costs no torch import."""


def __getattr__(name: str) -> Any:
    if name not in _NEEDS_TORCH:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_NEEDS_TORCH[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_NEEDS_TORCH})

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
