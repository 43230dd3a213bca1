"""Activation functions and their layer forms.

Each function keeps the input's dtype: constants are Python scalars, which
take the array's type.
"""

import math

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = [
    "celu", "elu", "gelu", "gelu_approx", "gelu_fast_approx", "glu",
    "hard_shrink", "hard_tanh", "hardswish", "leaky_relu", "log_sigmoid",
    "log_softmax", "mish", "prelu", "relu", "relu2", "relu6", "selu",
    "sigmoid", "silu", "softmax", "softmin", "softplus", "softshrink",
    "softsign", "step", "tanh",
    "CELU", "ELU", "GELU", "GLU", "HardShrink", "HardTanh", "Hardswish",
    "LeakyReLU", "LogSigmoid", "LogSoftmax", "Mish", "PReLU", "ReLU", "ReLU2",
    "ReLU6", "SELU", "Sigmoid", "SiLU", "Softmax", "Softmin", "Softplus",
    "Softshrink", "Softsign", "Step", "Tanh",
]

_SELU_SCALE = 1.0507009873554805
_SELU_ALPHA = 1.6732632423543772


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return mx.sigmoid(x)


def relu(x):
    """max(x, 0)."""
    return mx.maximum(x, 0)


def relu2(x):
    """max(x, 0) squared."""
    return mx.square(mx.maximum(x, 0))


def relu6(x):
    """min(max(x, 0), 6)."""
    return mx.minimum(mx.maximum(x, 0), 6)


def leaky_relu(x, negative_slope=0.01):
    """max(negative_slope * x, x)."""
    return mx.maximum(negative_slope * x, x)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return mx.where(x > 0, x, alpha * mx.expm1(x))


def celu(x, alpha=1.0):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    return mx.maximum(x, 0) + mx.minimum(alpha * mx.expm1(x / alpha), 0)


def selu(x):
    """Scaled ELU with the self-normalizing constants."""
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def silu(x):
    """x * sigmoid(x), also called swish."""
    return x * mx.sigmoid(x)


def softplus(x):
    """log(1 + exp(x)), computed without overflow."""
    return mx.logaddexp(x, 0)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return -softplus(-x)


def softsign(x):
    """x / (1 + |x|)."""
    return x / (1 + mx.abs(x))


def mish(x):
    """x * tanh(softplus(x))."""
    return x * mx.tanh(softplus(x))


def tanh(x):
    """The hyperbolic tangent."""
    return mx.tanh(x)


def hardswish(x):
    """x * min(max(x + 3, 0), 6) / 6."""
    return x * mx.minimum(mx.maximum(x + 3, 0), 6) / 6


def hard_tanh(x, min_val=-1.0, max_val=1.0):
    """x clipped to [min_val, max_val]."""
    return mx.minimum(mx.maximum(x, min_val), max_val)


def hard_shrink(x, lambd=0.5):
    """x where |x| > lambd, else 0."""
    return mx.where(mx.abs(x) > lambd, x, 0)


def softshrink(x, lambd: float = 0.5):
    """x moved toward 0 by lambd, and 0 inside [-lambd, lambd]."""
    return mx.where(mx.abs(x) > lambd, x - mx.sign(x) * lambd, 0)


def step(x: mx.array, threshold: float = 0.0):
    """1 where x >= threshold, else 0."""
    return mx.where(x >= threshold, 1, 0)


def prelu(x: mx.array, alpha: mx.array) -> mx.array:
    """max(0, x) + alpha * min(0, x) with a learned alpha."""
    return mx.maximum(0, x) + alpha * mx.minimum(0, x)


def gelu(x) -> mx.array:
    """x * Phi(x), Phi the standard normal CDF (exact, through erf)."""
    return x * (1 + mx.erf(x / math.sqrt(2))) / 2


def gelu_approx(x):
    """The tanh approximation of gelu (max error below 5e-4 on [-6, 6])."""
    inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
    return 0.5 * x * (1 + mx.tanh(inner))


def gelu_fast_approx(x):
    """x * sigmoid(1.702 x), a cheaper approximation of gelu."""
    return x * mx.sigmoid(1.702 * x)


def glu(x: mx.array, axis: int = -1) -> mx.array:
    """Split x in halves a, b along axis and return a * sigmoid(b)."""
    a, b = mx.split(x, 2, axis=axis)
    return a * mx.sigmoid(b)


def softmax(x, axis=-1):
    """exp(x) normalized to sum to one along axis."""
    return mx.softmax(x, axis=axis)


def softmin(x, axis=-1):
    """softmax(-x)."""
    return mx.softmax(-x, axis=axis)


def log_softmax(x, axis=-1):
    """x - logsumexp(x), computed after subtracting the maximum so that
    equal huge logits still give log(1/n)."""
    shifted = x - mx.stop_gradient(mx.max(x, axis=axis, keepdims=True))
    return shifted - mx.logsumexp(shifted, axis=axis, keepdims=True)


def _stateless(name, fn, doc):
    """A parameter-free layer class calling fn."""

    def __call__(_, x):
        return fn(x)

    return type(name, (Module,), {"__call__": __call__, "__doc__": doc})


ReLU = _stateless("ReLU", relu, "Applies relu.")
ReLU2 = _stateless("ReLU2", relu2, "Applies relu2.")
ReLU6 = _stateless("ReLU6", relu6, "Applies relu6.")
SELU = _stateless("SELU", selu, "Applies selu.")
SiLU = _stateless("SiLU", silu, "Applies silu.")
Sigmoid = _stateless("Sigmoid", sigmoid, "Applies sigmoid.")
Softplus = _stateless("Softplus", softplus, "Applies softplus.")
Softsign = _stateless("Softsign", softsign, "Applies softsign.")
Mish = _stateless("Mish", mish, "Applies mish.")
Tanh = _stateless("Tanh", tanh, "Applies tanh.")
Hardswish = _stateless("Hardswish", hardswish, "Applies hardswish.")
HardTanh = _stateless("HardTanh", hard_tanh, "Applies hard_tanh.")
LogSigmoid = _stateless("LogSigmoid", log_sigmoid, "Applies log_sigmoid.")
LogSoftmax = _stateless("LogSoftmax", log_softmax, "Applies log_softmax on the last axis.")
Softmax = _stateless("Softmax", softmax, "Applies softmax on the last axis.")
Softmin = _stateless("Softmin", softmin, "Applies softmin on the last axis.")


class LeakyReLU(Module):
    """Applies leaky_relu with the given negative slope."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self._slope = negative_slope

    def __call__(self, x):
        return leaky_relu(x, self._slope)


class ELU(Module):
    """Applies elu with the given alpha."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return elu(x, self._alpha)


class CELU(Module):
    """Applies celu with the given alpha."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return celu(x, self._alpha)


class HardShrink(Module):
    """Applies hard_shrink with the given threshold."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self._lambd = lambd

    def __call__(self, x):
        return hard_shrink(x, self._lambd)


class Softshrink(Module):
    """Applies softshrink with the given threshold."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self._lambd = lambd

    def __call__(self, x):
        return softshrink(x, self._lambd)


class Step(Module):
    """Applies step with the given threshold."""

    def __init__(self, threshold: float = 0.0):
        super().__init__()
        self.threshold = threshold

    def __call__(self, x: mx.array):
        return step(x, self.threshold)


class GLU(Module):
    """Applies glu along axis."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def __call__(self, x):
        return glu(x, self.axis)


class PReLU(Module):
    """prelu with a learned slope per channel (num_parameters of them,
    starting at init)."""

    def __init__(self, num_parameters=1, init=0.25):
        super().__init__()
        self.weight = mx.full([num_parameters], init)

    def __call__(self, x: mx.array):
        return prelu(x, self.weight)


class GELU(Module):
    """Applies gelu: approx is "none" (exact), "precise" or "tanh" (the
    tanh formula), or "fast" (x * sigmoid(1.702 x))."""

    _FUNCTIONS = {
        "none": gelu,
        "precise": gelu_approx,
        "tanh": gelu_approx,
        "fast": gelu_fast_approx,
    }

    def __init__(self, approx="none"):
        super().__init__()
        if approx not in self._FUNCTIONS:
            raise ValueError(
                f"[GELU] approx must be one of {', '.join(self._FUNCTIONS)}; got {approx!r}."
            )
        self._approx = approx
        self._fn = self._FUNCTIONS[approx]

    def _extra_repr(self):
        return f"approx={self._approx!r}" if self._approx != "none" else ""

    def __call__(self, x):
        return self._fn(x)
