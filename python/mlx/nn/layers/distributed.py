"""Layers whose parameters are split over the processes of a group.

AllToSharded layers split the output features (each process computes a
slice of the result); ShardedToAll layers split the input features and
sum the partial products with all_sum. `segments` handles fused weights
(for example q, k and v stacked): each segment is sharded on its own so
that every process holds matching slices of all of them.
"""

import math
from functools import lru_cache
from typing import Callable, Optional, Union

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.nn.layers.linear import Linear
from mlx.nn.layers.quantized import QuantizedLinear, _quantized_matmul, _set_quantized
from mlx.utils import tree_map, tree_map_with_path

__all__ = [
    "AllToShardedLinear",
    "ShardedToAllLinear",
    "QuantizedAllToShardedLinear",
    "QuantizedShardedToAllLinear",
    "FullyShardedModule",
    "fully_shard",
    "shard_inplace",
    "shard_linear",
    "sum_gradients",
]


def _group(group):
    return group if group is not None else mx.distributed.init()


def _divisible(name, dims, n, what):
    if dims % n != 0:
        raise ValueError(
            f"[{name}] {what} ({dims}) must be divisible by the group size ({n})."
        )


# One function per group, so repeated calls return the same function.
@lru_cache
def sum_gradients(group: mx.distributed.Group) -> Callable:
    """A function that is the identity forward and all_sums the cotangent
    over group backward (for an input replicated over the processes, whose
    gradient is the sum of theirs).

    Args:
        group (mx.distributed.Group): The group to sum the gradients over.

    Returns:
        Callable: The function x -> x with that gradient.
    """
    if group.size() == 1:
        return lambda x: x

    @mx.custom_function
    def f(x):
        return x

    @f.vjp
    def f_vjp(x, dx, _):
        return mx.distributed.all_sum(dx, group=group)

    return f


def _segment_bounds(size, segments):
    """Split points of the segments: an int counts equal segments, a list
    gives the split indices, or the split fractions if it holds floats."""
    if isinstance(segments, int):
        if size % segments != 0:
            raise ValueError(
                f"[shard] The sharded axis ({size}) must be divisible by "
                f"the number of segments ({segments})."
            )
        return [size // segments * i for i in range(1, segments)]
    if any(isinstance(s, float) for s in segments):
        return [int(s * size) for s in segments]
    return list(segments)


def _shard(x, axis, group, segments):
    """This process's slice of x along axis, taken from each segment."""
    n, r = group.size(), group.rank()
    bounds = _segment_bounds(x.shape[axis], segments)
    parts = mx.split(x, bounds, axis=axis) if bounds else [x]
    pieces = []
    for part in parts:
        _divisible("shard", part.shape[axis], n, "Each segment's size")
        pieces.append(mx.split(part, n, axis=axis)[r])
    return mx.concatenate(pieces, axis=axis) if len(pieces) > 1 else pieces[0]


class AllToShardedLinear(Module):
    """Linear layer computing this process's slice of the output features.
    The input must be the same on every process."""

    def __init__(self, input_dims: int, output_dims: int, bias: bool = True, group=None):
        super().__init__()
        self.group = _group(group)
        n = self.group.size()
        _divisible("AllToShardedLinear", output_dims, n, "output_dims")
        scale = math.sqrt(1.0 / input_dims)
        self.weight = mx.random.uniform(-scale, scale, (output_dims // n, input_dims))
        if bias:
            self.bias = mx.random.uniform(-scale, scale, (output_dims // n,))

    def __call__(self, x: mx.array) -> mx.array:
        x = sum_gradients(self.group)(x)
        if "bias" in self:
            return mx.addmm(self["bias"], x, self["weight"].T)
        return x @ self["weight"].T

    @classmethod
    def from_linear(cls, linear_layer: Module, *, segments: Union[int, list] = 1, group=None):
        group = _group(group)
        out, inp = linear_layer.weight.shape
        layer = cls(inp, out, bias=False, group=group)
        layer.weight = _shard(linear_layer.weight, 0, group, segments)
        if "bias" in linear_layer:
            layer.bias = _shard(linear_layer.bias, 0, group, segments)
        return layer


class ShardedToAllLinear(Module):
    """Linear layer over this process's slice of the input features; the
    partial results are summed over the group, so all processes get the
    full output."""

    def __init__(self, input_dims: int, output_dims: int, bias: bool = True, group=None):
        super().__init__()
        self.group = _group(group)
        n = self.group.size()
        _divisible("ShardedToAllLinear", input_dims, n, "input_dims")
        scale = math.sqrt(1.0 / input_dims)
        self.weight = mx.random.uniform(-scale, scale, (output_dims, input_dims // n))
        if bias:
            self.bias = mx.random.uniform(-scale, scale, (output_dims,))

    def __call__(self, x: mx.array) -> mx.array:
        y = mx.distributed.all_sum(x @ self["weight"].T, group=self.group)
        if "bias" in self:
            y = y + self["bias"]
        return y

    @classmethod
    def from_linear(cls, linear_layer: Module, *, segments: Union[int, list] = 1, group=None):
        group = _group(group)
        out, inp = linear_layer.weight.shape
        layer = cls(inp, out, bias=False, group=group)
        layer.weight = _shard(linear_layer.weight, 1, group, segments)
        if "bias" in linear_layer:
            layer.bias = linear_layer.bias
        return layer


class _QuantizedSharded(Module):
    """Shared construction of the two quantized sharded layers."""

    _axis = 0  # the weight axis that is split: 0 output features, 1 input

    def __init__(self, input_dims, output_dims, bias, group_size, bits, mode, group):
        super().__init__()
        self.group = _group(group)
        n = self.group.size()
        dims = output_dims if self._axis == 0 else input_dims
        _divisible(type(self).__name__, dims, n, "The sharded dimension")
        shape = (output_dims // n, input_dims) if self._axis == 0 else (output_dims, input_dims // n)
        scale = math.sqrt(1.0 / input_dims)
        _set_quantized(self, mx.random.uniform(-scale, scale, shape), group_size, bits, mode)
        if bias:
            self.bias = mx.zeros((shape[0] if self._axis == 0 else output_dims,))
        self.freeze()

    def unfreeze(self, *args, **kwargs):
        # Quantized weights never train; only the bias may be unfrozen.
        super().unfreeze(*args, **kwargs)
        self.freeze(recurse=False, keys=[k for k in ("weight", "scales", "biases") if k in self])
        return self


    @classmethod
    def from_quantized_linear(
        cls, quantized_linear_layer: Module, *, segments: Union[int, list] = 1, group=None
    ):
        q = quantized_linear_layer
        group = _group(group)
        layer = cls.__new__(cls)
        Module.__init__(layer)
        layer.group = group
        layer.group_size, layer.bits, layer.mode = q.group_size, q.bits, q.mode
        axis = 0 if cls._axis == 0 else -1
        if axis == -1 and not isinstance(segments, int):
            raise ValueError(
                f"[{cls.__name__}] Only integer segments are supported for quantized layers."
            )
        for key in ("weight", "scales", "biases"):
            if key in q:
                layer[key] = _shard(q[key], axis, group, segments)
        if "bias" in q:
            layer.bias = _shard(q.bias, 0, group, segments) if cls._axis == 0 else q.bias
        layer.freeze()
        return layer


class QuantizedAllToShardedLinear(_QuantizedSharded):
    """AllToShardedLinear with a quantized weight (frozen)."""

    _axis = 0

    def __init__(
        self,
        input_dims: int,
        output_dims: int,
        bias: bool = True,
        group_size: int = 64,
        bits: int = 4,
        mode: str = "affine",
        group=None,
    ):
        super().__init__(input_dims, output_dims, bias, group_size, bits, mode, group)

    def __call__(self, x: mx.array) -> mx.array:
        y = _quantized_matmul(self, sum_gradients(self.group)(x))
        return y + self["bias"] if "bias" in self else y


class QuantizedShardedToAllLinear(_QuantizedSharded):
    """ShardedToAllLinear with a quantized weight (frozen)."""

    _axis = 1

    def __init__(
        self,
        input_dims: int,
        output_dims: int,
        bias: bool = True,
        group_size: int = 64,
        bits: int = 4,
        mode: str = "affine",
        group=None,
    ):
        super().__init__(input_dims, output_dims, bias, group_size, bits, mode, group)

    def __call__(self, x: mx.array) -> mx.array:
        y = mx.distributed.all_sum(_quantized_matmul(self, x), group=self.group)
        return y + self["bias"] if "bias" in self else y


class FullyShardedModule(Module):
    """Holds 1/n of each parameter of module (split along axis 0); the
    forward pass gathers the full parameters, so the backward pass hands
    each process the gradient of its own shard."""

    def __init__(self, module: Module, group=None, compute_dtype: Optional[mx.Dtype] = None):
        super().__init__()
        self.group = _group(group)
        self.compute_dtype = compute_dtype
        n = self.group.size()

        def shard(p):
            _divisible("FullyShardedModule", p.shape[0] if p.ndim else 0, n, "Axis 0")
            return mx.split(p, n, axis=0)[self.group.rank()] if n > 1 else p

        module.update(tree_map(shard, module.parameters()))
        self.module = module

    def _gathered(self):
        def gather(p):
            full = mx.distributed.all_gather(p, group=self.group)
            return full.astype(self.compute_dtype) if self.compute_dtype is not None else full

        return tree_map(gather, self.module.parameters())

    def _run(self, method, *args, **kwargs):
        shards = self.module.parameters()
        self.module.update(self._gathered())
        try:
            return getattr(self.module, method)(*args, **kwargs)
        finally:
            self.module.update(shards)

    def __call__(self, *args, **kwargs):
        return self._run("__call__", *args, **kwargs)

    def as_linear(self, *args, **kwargs):
        return self._run("as_linear", *args, **kwargs)


def fully_shard(module: Module, *, group=None, compute_dtype: Optional[mx.Dtype] = None) -> Module:
    """Wrap module in a FullyShardedModule; with a single process and no
    compute_dtype there is nothing to shard and module is returned as is."""
    group = _group(group)
    if group.size() == 1 and compute_dtype is None:
        return module
    return FullyShardedModule(module, group=group, compute_dtype=compute_dtype)


_SHARDINGS = ("all-to-sharded", "sharded-to-all")


def _check_sharding(sharding):
    if sharding not in _SHARDINGS:
        raise ValueError(
            f"[shard] Unknown sharding {sharding!r}: "
            "use 'all-to-sharded' or 'sharded-to-all'."
        )


def _sharding_predicate(sharding, segments):
    """The per-parameter (axis, segments) of a named sharding. all-to-sharded
    splits the output features (axis -2 of a weight, the last axis of a
    bias); sharded-to-all splits the input features and keeps the bias whole."""
    _check_sharding(sharding)
    if sharding == "all-to-sharded":

        def output_axis(path, w):
            return (-1 if path.endswith("bias") else max(w.ndim - 2, 0)), segments

        return output_axis
    return lambda path, w: None if path.endswith("bias") else (-1, segments)


def shard_inplace(
    module: Module,
    sharding: Union[str, Callable],
    *,
    segments: Union[int, list] = 1,
    group: Optional[mx.distributed.Group] = None,
):
    """Replace the parameters of module by this process's shards of them.

    The module keeps its class, so it computes on the shards; any
    communication (all_sum of partial results) is up to the module.

    Args:
        module (Module): The module whose parameters are sharded in place.
        sharding (str or Callable): "all-to-sharded" or "sharded-to-all", or
            a function of (path, parameter) returning None (keep whole), an
            axis, or a tuple (axis, segments).
        segments (int or list): The segments of the fused parameters, used
            with a string sharding. Default: ``1``.
        group (mx.distributed.Group, optional): The group to shard over.
            Default: the global group.
    """
    if isinstance(sharding, str):
        sharding = _sharding_predicate(sharding, segments)
    group = _group(group)

    def shard(path, p):
        if not isinstance(p, mx.array):
            return p
        choice = sharding(path, p)
        if choice is None:
            return p
        axis, segs = (choice, 1) if isinstance(choice, int) else choice
        return mx.contiguous(_shard(p, axis, group, segs))

    module.update(tree_map_with_path(shard, module.parameters()))


def shard_linear(
    module: Module,
    sharding: str,
    *,
    segments: Union[int, list] = 1,
    group: Optional[mx.distributed.Group] = None,
):
    """The sharded layer computing what the Linear or QuantizedLinear module
    computes: an (Quantized)AllToShardedLinear for "all-to-sharded" or an
    (Quantized)ShardedToAllLinear for "sharded-to-all".

    Args:
        module (Module): The nn.Linear or nn.QuantizedLinear to shard.
        sharding (str): "all-to-sharded" or "sharded-to-all".
        segments (int or list): The segments of a fused weight. Default: ``1``.
        group (mx.distributed.Group, optional): The group to shard over.
            Default: the global group.

    Returns:
        Module: The sharded layer.
    """
    _check_sharding(sharding)
    to_sharded = sharding == "all-to-sharded"
    if isinstance(module, Linear):
        cls = AllToShardedLinear if to_sharded else ShardedToAllLinear
        return cls.from_linear(module, segments=segments, group=group)
    if isinstance(module, QuantizedLinear):
        if to_sharded:
            cls = QuantizedAllToShardedLinear
        else:
            cls = QuantizedShardedToAllLinear
        return cls.from_quantized_linear(module, segments=segments, group=group)
    raise ValueError(
        "[shard_linear] Expected a Linear or QuantizedLinear layer, "
        f"got {type(module).__name__}."
    )
