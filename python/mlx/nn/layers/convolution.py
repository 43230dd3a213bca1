"""Convolutions over channels-last inputs (NLC, NHWC, NDHWC)."""

import math
from typing import Tuple, Union

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d"]


def _ntuple(value, n: int, name: str, layer: str) -> Tuple[int, ...]:
    """value as a tuple of n ints (an int is repeated n times)."""
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n or not all(isinstance(v, int) for v in value):
        raise ValueError(
            f"[{layer}] '{name}' must be an integer or a tuple of {n} integers "
            f"but got {value}."
        )
    return value


def _conv_weight(in_channels, out_channels, kernel_size, fan_in):
    """Uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)], shape (out, *kernel, in)."""
    scale = math.sqrt(1.0 / fan_in)
    return mx.random.uniform(
        low=-scale, high=scale, shape=(out_channels, *kernel_size, in_channels)
    )


def _check_groups(layer: str, in_channels: int, groups: int):
    if groups < 1 or in_channels % groups != 0:
        raise ValueError(
            f"[{layer}] The number of input channels ({in_channels}) must be "
            f"divisible by the number of groups ({groups})."
        )


class _ConvNd(Module):
    """Shared parameters, call and repr of Conv1d/2d/3d."""

    _ndim = 0

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        dilation,
        groups,
        bias,
    ):
        super().__init__()
        layer = type(self).__name__
        n = self._ndim
        _check_groups(layer, in_channels, groups)
        kernel_size = _ntuple(kernel_size, n, "kernel_size", layer)
        # Each output channel sees in_channels / groups input channels.
        fan_in = (in_channels // groups) * math.prod(kernel_size)
        self.weight = _conv_weight(
            in_channels // groups, out_channels, kernel_size, fan_in
        )
        if bias:
            self.bias = mx.zeros((out_channels,))
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups

    def _extra_repr(self):
        kernel = self.weight.shape[1:-1]
        kernel = kernel[0] if self._ndim == 1 else tuple(kernel)
        text = (
            f"{self.weight.shape[-1] * self.groups}, {self.weight.shape[0]}, "
            f"kernel_size={kernel}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, "
        )
        if self._ndim < 3:
            text += f"groups={self.groups}, "
        return text + f"bias={'bias' in self}"

    def __call__(self, x):
        conv = (mx.conv1d, mx.conv2d, mx.conv3d)[self._ndim - 1]
        y = conv(x, self.weight, self.stride, self.padding, self.dilation, self.groups)
        if "bias" in self:
            y = y + self.bias
        return y


class Conv1d(_ConvNd):
    """1-D convolution over inputs of shape ``NLC``.

    Args:
        in_channels (int): Input channels ``C``.
        out_channels (int): Output channels.
        kernel_size (int): Length of the filters.
        stride (int): Step between filter applications. Default: ``1``.
        padding (int): Zeros added on both sides of ``L``. Default: ``0``.
        dilation (int): Spacing of the filter taps. Default: ``1``.
        groups (int): Channel groups convolved separately. Default: ``1``.
        bias (bool): Add a learned bias to the output. Default: ``True``.
    """

    _ndim = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
    ):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
        )


class Conv2d(_ConvNd):
    """2-D convolution over inputs of shape ``NHWC``.

    ``kernel_size``, ``stride``, ``padding`` and ``dilation`` take an int
    (both axes) or a pair ``(height, width)``.

    Args:
        in_channels (int): Input channels ``C``.
        out_channels (int): Output channels.
        kernel_size (int or tuple): Size of the filters.
        stride (int or tuple): Step between filter applications. Default: ``1``.
        padding (int or tuple): Zeros added on both sides of each spatial axis.
            Default: ``0``.
        dilation (int or tuple): Spacing of the filter taps. Default: ``1``.
        groups (int): Channel groups convolved separately. Default: ``1``.
        bias (bool): Add a learned bias to the output. Default: ``True``.
    """

    _ndim = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Union[int, tuple],
        stride: Union[int, tuple] = 1,
        padding: Union[int, tuple] = 0,
        dilation: Union[int, tuple] = 1,
        groups: int = 1,
        bias: bool = True,
    ):
        stride = _ntuple(stride, 2, "stride", "Conv2d")
        padding = _ntuple(padding, 2, "padding", "Conv2d")
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
        )


class Conv3d(_ConvNd):
    """3-D convolution over inputs of shape ``NDHWC``.

    ``kernel_size``, ``stride``, ``padding`` and ``dilation`` take an int
    (all axes) or a triple ``(depth, height, width)``.

    Args:
        in_channels (int): Input channels ``C``.
        out_channels (int): Output channels.
        kernel_size (int or tuple): Size of the filters.
        stride (int or tuple): Step between filter applications. Default: ``1``.
        padding (int or tuple): Zeros added on both sides of each spatial axis.
            Default: ``0``.
        dilation (int or tuple): Spacing of the filter taps. Default: ``1``.
        bias (bool): Add a learned bias to the output. Default: ``True``.
    """

    _ndim = 3

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Union[int, tuple],
        stride: Union[int, tuple] = 1,
        padding: Union[int, tuple] = 0,
        dilation: Union[int, tuple] = 1,
        bias: bool = True,
    ):
        stride = _ntuple(stride, 3, "stride", "Conv3d")
        padding = _ntuple(padding, 3, "padding", "Conv3d")
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, 1, bias
        )
