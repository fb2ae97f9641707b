"""Reference implementations (the model answers) of the softmax-regression course.

Students' code is graded against these functions. They are device-agnostic,
never modify their inputs and, for floating-point inputs, return results in the
input's dtype on the input's device.
"""

from autograder.reference.activations import log_softmax, sigmoid, softmax
from autograder.reference.calibration import (
    ReliabilityBins,
    expected_calibration_error,
    reliability_bins,
)
from autograder.reference.losses import (
    binary_cross_entropy,
    cross_entropy,
    cross_entropy_from_logits,
    softmax_cross_entropy_grad,
)
from autograder.reference.soft_labels import smooth_labels, soft_cross_entropy
from autograder.reference.logistic import two_class_logits
from autograder.reference.likelihood import categorical_mle, categorical_nll, model_nll
from autograder.reference.training import (
    Accumulator,
    accuracy,
    evaluate_accuracy,
    sgd,
    train,
    train_epoch,
)

__all__ = [
    "softmax",
    "log_softmax",
    "sigmoid",
    "cross_entropy",
    "cross_entropy_from_logits",
    "softmax_cross_entropy_grad",
    "binary_cross_entropy",
    "smooth_labels",
    "soft_cross_entropy",
    "ReliabilityBins",
    "reliability_bins",
    "expected_calibration_error",
    "accuracy",
    "Accumulator",
    "evaluate_accuracy",
    "sgd",
    "train_epoch",
    "train",
    "categorical_nll",
    "categorical_mle",
    "model_nll",
    "two_class_logits",
]
