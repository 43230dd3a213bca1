"""Quantized layers and nn.quantize, which swaps them in.

Quantized weights, scales and biases are frozen: they are not trainable
parameters (QQLinear in training mode is the exception: it keeps a full
precision weight and quantizes on the fly).
"""

import math
from typing import Callable, Optional, Union

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.utils import tree_map_with_path

__all__ = ["QuantizedLinear", "QuantizedEmbedding", "QQLinear", "quantize"]


def _set_quantized(layer, weight, group_size, bits, mode):
    """Quantize weight into layer.weight/scales(/biases for affine)."""
    parts = mx.quantize(weight, group_size, bits, mode=mode)
    layer.weight, layer.scales = parts[0], parts[1]
    if mode == "affine":
        layer.biases = parts[2]
    elif "biases" in layer:
        del layer["biases"]
    # Record the sizes the core chose for None (they depend on the mode).
    packed = parts[0].shape[-1] * 32
    layer.group_size = weight.shape[-1] // parts[1].shape[-1]
    layer.bits = packed // weight.shape[-1]
    layer.mode = mode


def _quantized_matmul(layer, x):
    """x @ W^T with layer's quantized weight (and its sizes and mode)."""
    return mx.quantized_matmul(
        x,
        layer["weight"],
        scales=layer["scales"],
        biases=layer.get("biases"),
        transpose=True,
        group_size=layer.group_size,
        bits=layer.bits,
        mode=layer.mode,
    )


def _quant_repr(layer, dims):
    return f"{dims}, group_size={layer.group_size}, bits={layer.bits}, mode={layer.mode!r}"


class QuantizedLinear(Module):
    """A Linear layer whose weight is quantized (see mx.quantize). Its
    quantized parameters are frozen."""

    def __init__(
        self,
        input_dims: int,
        output_dims: int,
        bias: bool = True,
        group_size: int = None,
        bits: int = None,
        mode: str = "affine",
    ):
        super().__init__()
        scale = math.sqrt(1.0 / input_dims)
        weight = mx.random.uniform(-scale, scale, (output_dims, input_dims))
        _set_quantized(self, weight, group_size, bits, mode)
        if bias:
            self.bias = mx.zeros((output_dims,))
        self.freeze()

    def _extra_repr(self):
        out = self.scales.shape[0]
        inp = self.scales.shape[-1] * self.group_size
        return _quant_repr(self, f"input_dims={inp}, output_dims={out}, bias={'bias' in self}")

    def __call__(self, x):
        y = _quantized_matmul(self, x)
        if "bias" in self:
            y = y + self["bias"]
        return y

    @classmethod
    def from_linear(
        cls,
        linear_layer: Module,
        group_size: int = None,
        bits: int = None,
        mode: str = "affine",
    ):
        """A QuantizedLinear computing (approximately) what linear_layer does."""
        out, inp = linear_layer.weight.shape
        layer = cls.__new__(cls)
        Module.__init__(layer)
        _set_quantized(layer, linear_layer.weight, group_size, bits, mode)
        if "bias" in linear_layer:
            layer.bias = linear_layer.bias
        layer.freeze()
        return layer


class QuantizedEmbedding(Module):
    """An Embedding whose table is quantized; as_linear uses the same
    quantized table as an output projection."""

    def __init__(
        self,
        num_embeddings: int,
        dims: int,
        group_size: int = None,
        bits: int = None,
        mode: str = "affine",
    ):
        super().__init__()
        scale = math.sqrt(1.0 / dims)
        weight = mx.random.normal((num_embeddings, dims), scale=scale)
        _set_quantized(self, weight, group_size, bits, mode)
        self.num_embeddings = num_embeddings
        self.dims = dims
        self.freeze()

    def _extra_repr(self):
        return _quant_repr(self, f"{self.num_embeddings}, {self.dims}")

    def __call__(self, x):
        rows = x.reshape(-1)
        out = mx.dequantize(
            self["weight"][rows],
            scales=self["scales"][rows],
            biases=self["biases"][rows] if "biases" in self else None,
            group_size=self.group_size,
            bits=self.bits,
            mode=self.mode,
        )
        return out.reshape(*x.shape, -1)

    def as_linear(self, x):
        return _quantized_matmul(self, x)

    @classmethod
    def from_embedding(
        cls,
        embedding_layer: Module,
        group_size: int = None,
        bits: int = None,
        mode: str = "affine",
    ):
        """A QuantizedEmbedding holding embedding_layer's table, quantized."""
        num, dims = embedding_layer.weight.shape
        layer = cls.__new__(cls)
        Module.__init__(layer)
        _set_quantized(layer, embedding_layer.weight, group_size, bits, mode)
        layer.num_embeddings = num
        layer.dims = dims
        layer.freeze()
        return layer


_QQ_MODES = ("nvfp4", "mxfp8")


class QQLinear(Module):
    """A Linear layer (no bias) that quantizes its input and its weight.

    In training mode the weight is kept in full precision and quantized
    on the fly, so it receives gradients; eval() stores it quantized and
    frozen, train() restores the full-precision weight.
    """

    def __init__(
        self,
        input_dims: int,
        output_dims: int,
        group_size: int = None,
        bits: int = None,
        mode: str = "nvfp4",
    ):
        super().__init__()
        if mode not in _QQ_MODES:
            raise ValueError(
                f"[QQLinear] mode must be one of {', '.join(_QQ_MODES)}; got {mode!r}."
            )
        scale = math.sqrt(1.0 / input_dims)
        self.weight = mx.random.uniform(-scale, scale, (output_dims, input_dims))
        self._qq_group_size = group_size
        self._qq_bits = bits
        self.mode = mode

    def _extra_repr(self):
        out, inp = self._dims()
        return f"input_dims={inp}, output_dims={out}, mode={self.mode!r}"

    def _dims(self):
        if "scales" in self:
            return self.scales.shape[0], self.scales.shape[-1] * self.group_size
        return self.weight.shape

    def quantize(self):
        """Store the weight quantized (and frozen)."""
        if "scales" not in self:
            _set_quantized(self, self.weight, self._qq_group_size, self._qq_bits, self.mode)
            self.freeze(keys=["weight", "scales"], recurse=False)

    def dequantize(self):
        """Restore a full-precision (trainable) weight."""
        if "scales" in self:
            self.weight = mx.dequantize(
                self["weight"],
                scales=self["scales"],
                group_size=self.group_size,
                bits=self.bits,
                mode=self.mode,
            )
            del self["scales"]
            self.unfreeze(keys=["weight", "scales"], recurse=False)

    def _set_training_mode(self, mode: bool):
        super()._set_training_mode(mode)
        if mode:
            self.dequantize()
        else:
            self.quantize()

    def __call__(self, x):
        return mx.qqmm(
            x,
            self["weight"],
            scales=self.get("scales"),
            group_size=self._qq_group_size,
            bits=self._qq_bits,
            mode=self.mode,
        )

    @classmethod
    def from_linear(
        cls,
        linear_layer: Module,
        group_size: int = None,
        bits: int = None,
        mode: str = "nvfp4",
    ):
        """A QQLinear with linear_layer's weight (its bias must be absent)."""
        if "bias" in linear_layer:
            raise ValueError("[QQLinear] Linear layers with a bias are not supported.")
        out, inp = linear_layer.weight.shape
        layer = cls(inp, out, group_size, bits, mode)
        layer.weight = linear_layer.weight
        if not linear_layer.training:
            layer.eval()
        return layer


def quantize(
    model: Module,
    group_size: int = None,
    bits: int = None,
    *,
    mode: str = "affine",
    quantize_input: bool = False,
    class_predicate: Optional[Callable[[str, Module], Union[bool, dict]]] = None,
):
    """Replace, in place, every sub-module that has to_quantized() (and that
    class_predicate accepts) with its quantized form. class_predicate may
    return a dict of keyword arguments for to_quantized instead of True."""
    if class_predicate is None:

        def class_predicate(_, m):
            return hasattr(m, "to_quantized")

    def swap(path, module):
        choice = class_predicate(path, module)
        if not choice:
            return module
        if not hasattr(module, "to_quantized"):
            raise ValueError(f"[quantize] Unable to quantize a module of type {type(module)}.")
        if isinstance(choice, dict):
            return module.to_quantized(**choice)
        if choice is not True:
            raise ValueError("[quantize] class_predicate must return a bool or a dict.")
        kwargs = {"group_size": group_size, "bits": bits, "mode": mode}
        # Only pass quantize_input when set: user layers may not accept it.
        if quantize_input:
            kwargs["quantize_input"] = True
        return module.to_quantized(**kwargs)

    leaves = model.leaf_modules()
    leaves = tree_map_with_path(swap, leaves, is_leaf=Module.is_module)
    model.update_modules(leaves)
    return model
