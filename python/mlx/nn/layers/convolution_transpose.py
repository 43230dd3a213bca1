"""Transposed convolutions over channels-last inputs (NLC, NHWC, NDHWC)."""

import math
from typing import Union

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.nn.layers.convolution import _conv_weight, _ntuple

__all__ = ["ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]


class _ConvTransposeNd(Module):
    """Shared parameters, call and repr of ConvTranspose1d/2d/3d."""

    _ndim = 0

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        dilation,
        output_padding,
        bias,
    ):
        super().__init__()
        layer = type(self).__name__
        n = self._ndim
        kernel_size = _ntuple(kernel_size, n, "kernel_size", layer)
        if n > 1:
            stride = _ntuple(stride, n, "stride", layer)
            padding = _ntuple(padding, n, "padding", layer)
            output_padding = _ntuple(output_padding, n, "output_padding", layer)
        fan_in = in_channels * math.prod(kernel_size)
        self.weight = _conv_weight(in_channels, out_channels, kernel_size, fan_in)
        if bias:
            self.bias = mx.zeros((out_channels,))
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.output_padding = output_padding

    def _extra_repr(self):
        kernel = self.weight.shape[1:-1]
        kernel = kernel[0] if self._ndim == 1 else tuple(kernel)
        return (
            f"{self.weight.shape[-1]}, {self.weight.shape[0]}, "
            f"kernel_size={kernel}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, output_padding={self.output_padding}, "
            f"bias={'bias' in self}"
        )

    def __call__(self, x):
        conv = (mx.conv_transpose1d, mx.conv_transpose2d, mx.conv_transpose3d)
        y = conv[self._ndim - 1](
            x,
            self.weight,
            self.stride,
            self.padding,
            self.dilation,
            self.output_padding,
        )
        if "bias" in self:
            y = y + self.bias
        return y


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over inputs of shape ``NLC``.

    Args:
        in_channels (int): Input channels ``C``.
        out_channels (int): Output channels.
        kernel_size (int): Length of the filters.
        stride (int): Upsampling step of the input. Default: ``1``.
        padding (int): Positions removed from both ends of the full
            output, as in the convolution this transposes. Default: ``0``.
        dilation (int): Spacing of the filter taps. Default: ``1``.
        output_padding (int): Extra positions added to one side of the
            output. Default: ``0``.
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
        output_padding: int = 0,
        bias: bool = True,
    ):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            output_padding,
            bias,
        )


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution over inputs of shape ``NHWC``.

    The size arguments take an int (both axes) or a pair ``(height, width)``.

    Args:
        in_channels (int): Input channels ``C``.
        out_channels (int): Output channels.
        kernel_size (int or tuple): Size of the filters.
        stride (int or tuple): Upsampling step of the input. Default: ``1``.
        padding (int or tuple): Positions removed from both ends of each
            output axis. Default: ``0``.
        dilation (int or tuple): Spacing of the filter taps. Default: ``1``.
        output_padding (int or tuple): Extra positions added to one side of
            each output axis. Default: ``0``.
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
        output_padding: Union[int, tuple] = 0,
        bias: bool = True,
    ):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            output_padding,
            bias,
        )


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution over inputs of shape ``NDHWC``.

    The size arguments take an int (all axes) or a triple
    ``(depth, height, width)``.

    Args:
        in_channels (int): Input channels ``C``.
        out_channels (int): Output channels.
        kernel_size (int or tuple): Size of the filters.
        stride (int or tuple): Upsampling step of the input. Default: ``1``.
        padding (int or tuple): Positions removed from both ends of each
            output axis. Default: ``0``.
        dilation (int or tuple): Spacing of the filter taps. Default: ``1``.
        output_padding (int or tuple): Extra positions added to one side of
            each output axis. Default: ``0``.
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
        output_padding: Union[int, tuple] = 0,
        bias: bool = True,
    ):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            output_padding,
            bias,
        )
