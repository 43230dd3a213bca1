"""shard_linear, shard_inplace and sum_gradients (mlx.nn.layers.distributed):
with the size-1 world group the sharded layers compute what the originals
do; a stand-in group of two processes checks which slices each rank keeps."""

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
from mlx.nn.layers.distributed import (
    AllToShardedLinear,
    QuantizedAllToShardedLinear,
    QuantizedShardedToAllLinear,
    ShardedToAllLinear,
    shard_inplace,
    shard_linear,
    sum_gradients,
)


class _Rank:
    """Rank r of a group of n processes (only size() and rank() are used)."""

    def __init__(self, r, n):
        self.r, self.n = r, n

    def size(self):
        return self.n

    def rank(self):
        return self.r


@pytest.mark.parametrize(
    "sharding, cls, qcls",
    [
        ("all-to-sharded", AllToShardedLinear, QuantizedAllToShardedLinear),
        ("sharded-to-all", ShardedToAllLinear, QuantizedShardedToAllLinear),
    ],
)
def test_shard_linear_world_group_computes_the_same(sharding, cls, qcls):
    mx.random.seed(3)
    x = mx.random.normal((3, 48))
    linear = nn.Linear(48, 48)
    for segments in (1, 3, [16, 32], [0.25, 0.5]):
        layer = shard_linear(linear, sharding, segments=segments)
        assert type(layer) is cls
        np.testing.assert_allclose(layer(x), linear(x), rtol=1e-5, atol=1e-6)
    x = mx.random.normal((3, 64))
    quantized = nn.QuantizedLinear(64, 48, group_size=32, bits=4)
    layer = shard_linear(quantized, sharding, group=mx.distributed.init())
    assert type(layer) is qcls
    np.testing.assert_allclose(layer(x), quantized(x), rtol=1e-5, atol=1e-6)


def test_shard_linear_slices_of_two_ranks():
    linear = nn.Linear(8, 12)
    w, b = np.array(linear.weight), np.array(linear.bias)
    # A fused weight of 3 segments: each rank takes half of every segment.
    parts = [
        shard_linear(linear, "all-to-sharded", segments=3, group=_Rank(r, 2))
        for r in range(2)
    ]
    halves = [np.split(s, 2) for s in np.split(w, 3)]
    for r, part in enumerate(parts):
        np.testing.assert_array_equal(
            part.weight, np.concatenate([h[r] for h in halves])
        )
    np.testing.assert_array_equal(parts[1].bias, np.concatenate(np.split(b, 6)[1::2]))
    part = shard_linear(linear, "sharded-to-all", group=_Rank(1, 2))
    np.testing.assert_array_equal(part.weight, w[:, 4:])
    np.testing.assert_array_equal(part.bias, b)


def test_shard_inplace_keeps_the_class():
    mx.random.seed(4)
    x = mx.random.normal((2, 16))
    linear = nn.Linear(16, 8)
    expected = linear(x)
    shard_inplace(linear, "all-to-sharded")
    assert type(linear) is nn.Linear
    np.testing.assert_allclose(linear(x), expected, rtol=1e-6)

    # Stacked expert weights (experts, out, in): rank 1 of 2 keeps half of
    # the output features (all-to-sharded) or of the input features.
    experts = nn.Module()
    experts.weight = mx.random.normal((4, 6, 10))
    experts.bias = mx.random.normal((4, 6))
    w, b = np.array(experts.weight), np.array(experts.bias)
    shard_inplace(experts, "all-to-sharded", group=_Rank(1, 2))
    np.testing.assert_array_equal(experts.weight, w[:, 3:])
    np.testing.assert_array_equal(experts.bias, b[:, 3:])
    experts.weight, experts.bias = mx.array(w), mx.array(b)
    shard_inplace(experts, "sharded-to-all", group=_Rank(1, 2))
    np.testing.assert_array_equal(experts.weight, w[..., 5:])
    np.testing.assert_array_equal(experts.bias, b)


def test_shard_inplace_with_a_predicate():
    layer = nn.Linear(4, 6)
    w, b = np.array(layer.weight), np.array(layer.bias)

    def by_path(path, p):
        return (0, [2]) if path == "weight" else None

    shard_inplace(layer, by_path, group=_Rank(0, 2))
    np.testing.assert_array_equal(layer.weight, np.concatenate([w[:1], w[2:4]]))
    np.testing.assert_array_equal(layer.bias, b)
    shard_inplace(layer, lambda path, p: -1, group=_Rank(1, 2))
    np.testing.assert_array_equal(layer.bias, b[3:])


def test_sharding_errors():
    linear = nn.Linear(6, 4)
    with pytest.raises(ValueError, match="sharding"):
        shard_linear(linear, "rows")
    with pytest.raises(ValueError, match="sharding"):
        shard_inplace(linear, "columns")
    with pytest.raises(ValueError, match="shard_linear"):
        shard_linear(nn.Embedding(4, 6), "all-to-sharded")
    with pytest.raises(ValueError, match="segments"):
        shard_linear(linear, "sharded-to-all", segments=4)
    with pytest.raises(ValueError, match="group size"):
        shard_linear(linear, "all-to-sharded", segments=2, group=_Rank(0, 4))


def test_sum_gradients_world_group_is_identity():
    group = mx.distributed.init()
    f = sum_gradients(group)
    assert sum_gradients(group) is f
    x = mx.array([1.0, -2.0, 3.0])
    assert mx.array_equal(f(x), x).item()
    grad = mx.grad(lambda v: (f(v) ** 2).sum())(x)
    np.testing.assert_array_equal(grad, 2 * np.array(x))
