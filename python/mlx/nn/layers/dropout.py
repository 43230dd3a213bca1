"""Dropout: zero random elements (or whole channels) while training."""

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["Dropout", "Dropout2d", "Dropout3d"]


class _DropoutBase(Module):
    """Keeps each entry of a mask with probability 1 - p and rescales the
    kept ones by 1 / (1 - p), so the expected output equals the input."""

    # Number of trailing spatial axes that share one mask entry per channel.
    _shared_axes = 0

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(
                f"[{type(self).__name__}] The dropout probability {p} is not in [0, 1)"
            )
        self._p_1 = 1 - p

    def _extra_repr(self):
        return f"p={1 - self._p_1}"

    def _mask_shape(self, x):
        n = self._shared_axes
        if n == 0:
            return x.shape
        if x.ndim not in (n + 1, n + 2):
            raise ValueError(
                f"[{type(self).__name__}] Received input with {x.ndim} dimensions. "
                f"Expected {n + 1} or {n + 2} dimensions."
            )
        # One draw per (sample, channel): the spatial axes are broadcast.
        shape = list(x.shape)
        shape[-1 - n : -1] = [1] * n
        return shape

    def __call__(self, x: mx.array) -> mx.array:
        shape = self._mask_shape(x)
        if self._p_1 == 1 or not self.training:
            return x
        keep = mx.random.bernoulli(p=self._p_1, shape=shape)
        # keep * x first: a bool mask keeps the dtype of x.
        return (keep * x) * (1 / self._p_1)


class Dropout(_DropoutBase):
    r"""Zero each element with probability ``p`` during training and scale
    the others by :math:`\frac{1}{1-p}`. The identity in eval mode.

    Args:
        p (float): Probability of zeroing an element. Default: ``0.5``.
    """


class Dropout2d(_DropoutBase):
    r"""Zero whole channels of ``NHWC`` (or ``HWC``) inputs with probability
    ``p`` during training and scale the others by :math:`\frac{1}{1-p}`.

    Dropping channels instead of single entries regularizes convolutional
    features, whose neighbouring pixels are strongly correlated.

    Args:
        p (float): Probability of zeroing a channel. Default: ``0.5``.
    """

    _shared_axes = 2


class Dropout3d(_DropoutBase):
    r"""Zero whole channels of ``NDHWC`` (or ``DHWC``) inputs with
    probability ``p`` during training and scale the others by
    :math:`\frac{1}{1-p}`.

    Args:
        p (float): Probability of zeroing a channel. Default: ``0.5``.
    """

    _shared_axes = 3
