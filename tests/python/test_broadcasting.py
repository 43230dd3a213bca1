"""Broadcasting rules checked with hypothesis, numpy as the oracle."""

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import mlx.core as mx
from oracle import assert_close

BINARY = ["add", "subtract", "multiply", "maximum", "minimum", "less", "equal"]
ANY_SHAPE = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)


def _data(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(-3, 4, shape).astype(np.float32)


@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=5, max_side=4),
    name=st.sampled_from(BINARY),
    seed=st.integers(0, 2**16),
)
def test_binary_broadcasting(shapes, name, seed):
    a_np = _data(shapes.input_shapes[0], seed)
    b_np = _data(shapes.input_shapes[1], seed + 1)
    out = getattr(mx, name)(mx.array(a_np), mx.array(b_np))
    assert out.shape == shapes.result_shape
    assert_close(out, getattr(np, name)(a_np, b_np))


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=4, max_side=3))
def test_where_broadcasting(shapes):
    c_shape, x_shape, y_shape = shapes.input_shapes
    c_np = _data(c_shape, 0) > 0
    x_np, y_np = _data(x_shape, 1), _data(y_shape, 2)
    out = mx.where(mx.array(c_np), mx.array(x_np), mx.array(y_np))
    assert out.shape == shapes.result_shape
    assert_close(out, np.where(c_np, x_np, y_np))


@given(a=ANY_SHAPE, b=ANY_SHAPE)
def test_incompatible_shapes_raise(a, b):
    try:
        expected = np.broadcast_shapes(a, b)
    except ValueError:
        expected = None
    x, y = mx.zeros(a), mx.zeros(b)
    if expected is None:
        with pytest.raises(ValueError):
            mx.add(x, y)
    else:
        assert mx.add(x, y).shape == expected


@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4),
    seed=st.integers(0, 2**16),
)
def test_broadcast_to(shapes, seed):
    src_shape = shapes.input_shapes[0]
    a_np = _data(src_shape, seed)
    out = mx.broadcast_to(mx.array(a_np), shapes.result_shape)
    assert_close(out, np.broadcast_to(a_np, shapes.result_shape))
    # Broadcast views feed other ops correctly.
    assert_close(out + 1, np.broadcast_to(a_np, shapes.result_shape) + 1)


@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=4, max_side=3),
)
def test_broadcast_arrays(shapes):
    arrays = [_data(s, i) for i, s in enumerate(shapes.input_shapes)]
    outs = mx.broadcast_arrays(*[mx.array(a) for a in arrays])
    expected = np.broadcast_arrays(*arrays)
    assert len(outs) == 3
    for got, want in zip(outs, expected):
        assert got.shape == shapes.result_shape
        assert_close(got, want)
