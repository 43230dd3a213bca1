"""Max and average pooling over the spatial axes of channels-last inputs.

A pooling window is gathered along each spatial axis in turn, turning an
axis of length n into two axes (windows, taps); the taps axes are then
reduced together. Everything is ordinary differentiable ops (reshape or
take), so gradients flow through pooling like through any other layer.
"""

from typing import Optional, Tuple, Union

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = [
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
]


def _as_tuple(value, n: int, name: str, layer: str) -> Tuple[int, ...]:
    """An int repeated n times, or a tuple of n ints, as a tuple."""
    if isinstance(value, int):
        return (value,) * n
    if isinstance(value, (tuple, list)) and len(value) == n:
        if all(isinstance(v, int) for v in value):
            return tuple(value)
    raise ValueError(
        f"[{layer}] '{name}' must be an integer or a tuple containing {n} integers"
    )


def _windows_along(x: mx.array, axis: int, size: int, stride: int) -> mx.array:
    """Split axis of x into (number of windows, size): the sliding windows."""
    n = x.shape[axis]
    count = max((n - size) // stride + 1, 0)
    if stride == size:
        # Windows tile the axis: drop the remainder and split with a reshape.
        x = x[(slice(None),) * axis + (slice(0, count * size),)]
        shape = list(x.shape)
        shape[axis : axis + 1] = [count, size]
        return x.reshape(shape)
    starts = mx.arange(count)[:, None] * stride
    return mx.take(x, starts + mx.arange(size)[None, :], axis=axis)


def _lowest_value(dtype: mx.Dtype):
    """The value that never wins a max: -inf, or the smallest integer."""
    if mx.issubdtype(dtype, mx.inexact):
        return float("-inf")
    if dtype == mx.bool_:
        return False
    return mx.iinfo(dtype).min


class _Pool(Module):
    """Pooling over the n axes between the batch and channel axes."""

    _ndim = 0

    def __init__(self, kernel_size, stride, padding):
        super().__init__()
        name = type(self).__name__
        n = self._ndim
        self._kernel_size = _as_tuple(kernel_size, n, "kernel_size", name)
        stride = self._kernel_size if stride is None else stride
        self._stride = _as_tuple(stride, n, "stride", name)
        self._padding = _as_tuple(padding, n, "padding", name)

    def _extra_repr(self):
        return (
            f"kernel_size={self._kernel_size}, stride={self._stride}, "
            f"padding={self._padding}"
        )

    def _pad_value(self, dtype):
        raise NotImplementedError

    def _reduce(self, windows, axes):
        raise NotImplementedError

    def __call__(self, x: mx.array) -> mx.array:
        n = self._ndim
        if x.ndim != n + 2:
            raise ValueError(
                f"[{type(self).__name__}] Expected an input with {n + 2} "
                f"dimensions (batch, {n} spatial, channels) but got {x.ndim}."
            )
        if any(self._padding):
            widths = [(0, 0)] + [(p, p) for p in self._padding] + [(0, 0)]
            x = mx.pad(x, widths, constant_values=self._pad_value(x.dtype))
        # Last axis first, so the earlier axes keep their positions.
        for i in reversed(range(n)):
            x = _windows_along(x, 1 + i, self._kernel_size[i], self._stride[i])
        return self._reduce(x, [2 + 2 * i for i in range(n)])


class _MaxPool(_Pool):
    def _pad_value(self, dtype):
        return _lowest_value(dtype)

    def _reduce(self, windows, axes):
        return mx.max(windows, axis=axes)


class _AvgPool(_Pool):
    # Zero padding counts in the average (as count_include_pad=True).
    def _pad_value(self, dtype):
        return 0

    def _reduce(self, windows, axes):
        return mx.mean(windows, axis=axes)


_POOL_ARGS = """
    Args:
        kernel_size (int or tuple): Size of the pooling window.
        stride (int or tuple, optional): Step between windows. Default:
            ``kernel_size``.
        padding (int or tuple, optional): Padding added on both sides of
            each spatial axis. Default: ``0``.
"""


class MaxPool1d(_MaxPool):
    """Largest value of each window of an ``NLC`` input; padding is ``-inf``.
    """

    __doc__ += _POOL_ARGS
    _ndim = 1

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int]],
        stride: Optional[Union[int, Tuple[int]]] = None,
        padding: Union[int, Tuple[int]] = 0,
    ):
        super().__init__(kernel_size, stride, padding)


class MaxPool2d(_MaxPool):
    """Largest value of each window of an ``NHWC`` input; padding is ``-inf``.
    Sizes are an int or a pair ``(height, width)``.
    """

    __doc__ += _POOL_ARGS
    _ndim = 2

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int, int]],
        stride: Optional[Union[int, Tuple[int, int]]] = None,
        padding: Optional[Union[int, Tuple[int, int]]] = 0,
    ):
        super().__init__(kernel_size, stride, padding)


class MaxPool3d(_MaxPool):
    """Largest value of each window of an ``NDHWC`` input; padding is
    ``-inf``. Sizes are an int or a triple ``(depth, height, width)``.
    """

    __doc__ += _POOL_ARGS
    _ndim = 3

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int, int, int]],
        stride: Optional[Union[int, Tuple[int, int, int]]] = None,
        padding: Optional[Union[int, Tuple[int, int, int]]] = 0,
    ):
        super().__init__(kernel_size, stride, padding)


class AvgPool1d(_AvgPool):
    """Mean of each window of an ``NLC`` input; zero padding counts in the
    mean.
    """

    __doc__ += _POOL_ARGS
    _ndim = 1

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int]],
        stride: Optional[Union[int, Tuple[int]]] = None,
        padding: Union[int, Tuple[int]] = 0,
    ):
        super().__init__(kernel_size, stride, padding)


class AvgPool2d(_AvgPool):
    """Mean of each window of an ``NHWC`` input; zero padding counts in the
    mean. Sizes are an int or a pair ``(height, width)``.
    """

    __doc__ += _POOL_ARGS
    _ndim = 2

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int, int]],
        stride: Optional[Union[int, Tuple[int, int]]] = None,
        padding: Optional[Union[int, Tuple[int, int]]] = 0,
    ):
        super().__init__(kernel_size, stride, padding)


class AvgPool3d(_AvgPool):
    """Mean of each window of an ``NDHWC`` input; zero padding counts in the
    mean. Sizes are an int or a triple ``(depth, height, width)``.
    """

    __doc__ += _POOL_ARGS
    _ndim = 3

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int, int, int]],
        stride: Optional[Union[int, Tuple[int, int, int]]] = None,
        padding: Optional[Union[int, Tuple[int, int, int]]] = 0,
    ):
        super().__init__(kernel_size, stride, padding)
