"""Identity, Linear and Bilinear layers."""

import math
from typing import Any, Optional

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["Identity", "Linear", "Bilinear"]


def _check_dims(name, **dims):
    for key, value in dims.items():
        if not isinstance(value, int) or value <= 0:
            raise ValueError(f"[{name}] {key} must be a positive integer; got {value!r}.")


class Identity(Module):
    """Returns its input; any constructor arguments are ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def __call__(self, x: mx.array) -> mx.array:
        return x


class Linear(Module):
    """y = x W^T + b. W has shape (output_dims, input_dims); W and b start
    uniform in [-1/sqrt(input_dims), 1/sqrt(input_dims)]."""

    def __init__(self, input_dims: int, output_dims: int, bias: bool = True) -> None:
        super().__init__()
        _check_dims("Linear", input_dims=input_dims, output_dims=output_dims)
        scale = math.sqrt(1.0 / input_dims)
        self.weight = mx.random.uniform(-scale, scale, (output_dims, input_dims))
        if bias:
            self.bias = mx.random.uniform(-scale, scale, (output_dims,))

    def _extra_repr(self) -> str:
        out, inp = self.weight.shape
        return f"input_dims={inp}, output_dims={out}, bias={'bias' in self}"

    def __call__(self, x: mx.array) -> mx.array:
        if "bias" in self:
            return mx.addmm(self["bias"], x, self["weight"].T)
        return x @ self["weight"].T

    def to_quantized(
        self,
        group_size: Optional[int] = None,
        bits: Optional[int] = None,
        mode: str = "affine",
        quantize_input: bool = False,
    ):
        """A quantized copy of this layer: QuantizedLinear, or QQLinear when
        the input is quantized too."""
        from mlx.nn.layers.quantized import QQLinear, QuantizedLinear

        if quantize_input:
            return QQLinear.from_linear(self, group_size, bits, mode)
        return QuantizedLinear.from_linear(self, group_size, bits, mode)


class Bilinear(Module):
    """y_o = x1^T W_o x2 + b_o. W has shape (output_dims, input2_dims,
    input1_dims); W and b start uniform in +-1/sqrt(input1_dims)."""

    def __init__(
        self, input1_dims: int, input2_dims: int, output_dims: int, bias: bool = True
    ) -> None:
        super().__init__()
        _check_dims(
            "Bilinear",
            input1_dims=input1_dims,
            input2_dims=input2_dims,
            output_dims=output_dims,
        )
        scale = math.sqrt(1.0 / input1_dims)
        self.weight = mx.random.uniform(
            -scale, scale, (output_dims, input2_dims, input1_dims)
        )
        if bias:
            self.bias = mx.random.uniform(-scale, scale, (output_dims,))

    def _extra_repr(self) -> str:
        out, in2, in1 = self.weight.shape
        return (
            f"input1_dims={in1}, input2_dims={in2}, output_dims={out}, "
            f"bias={'bias' in self}"
        )

    def __call__(self, x1: mx.array, x2: mx.array) -> mx.array:
        out, in2, in1 = self.weight.shape
        if x1.shape[-1] != in1 or x2.shape[-1] != in2:
            raise ValueError(
                f"[Bilinear] Expected inputs with last dimensions {in1} and {in2}; "
                f"got {x1.shape[-1]} and {x2.shape[-1]}."
            )
        lead = x1.shape[:-1]
        a = x1.reshape(-1, in1)
        b = x2.reshape(-1, in2)
        # (N, in1) @ (in1, out*in2) gives x1^T W_o for every o at once.
        y = (a @ self.weight.reshape(out * in2, in1).T).reshape(-1, out, in2)
        y = (y * b[:, None, :]).sum(-1)
        if "bias" in self:
            y = y + self.bias
        return y.reshape(*lead, out)
