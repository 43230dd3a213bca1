"""Shape manipulation ops against numpy."""

import numpy as np
import pytest

import mlx.core as mx
from oracle import assert_close


@pytest.fixture
def cube():
    """A (2, 3, 4) float32 array with distinct values, and its numpy twin."""
    data = np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 1.5 - 7
    return mx.array(data), data


@pytest.mark.parametrize(
    "shape", [(24,), (4, 6), (-1, 4), (2, -1, 3), (1, 24, 1), (2, 3, 4), (-1,)]
)
def test_reshape(cube, shape):
    a, a_np = cube
    assert_close(mx.reshape(a, shape), a_np.reshape(shape))
    assert_close(a.reshape(shape), a_np.reshape(shape))
    assert_close(a.reshape(*shape), a_np.reshape(shape))


def test_reshape_of_views(cube):
    a, a_np = cube
    assert_close(a.T.reshape(-1), a_np.T.reshape(-1))
    assert_close(a[:, ::2].reshape(2, -1), a_np[:, ::2].reshape(2, -1))
    assert_close(mx.reshape(mx.array(5.0), (1, 1)), np.full((1, 1), 5.0))


@pytest.mark.parametrize("shape", [(5,), (5, -1), (-1, -1), (7, 0)])
def test_reshape_bad_shape_raises(cube, shape):
    with pytest.raises(ValueError):
        mx.reshape(cube[0], shape)


@pytest.mark.parametrize("start, end", [(0, -1), (1, 2), (0, 1), (-2, -1), (2, 2)])
def test_flatten(cube, start, end):
    a, a_np = cube
    shape = a_np.shape
    s, e = start % 3, end % 3
    new_shape = shape[:s] + (int(np.prod(shape[s : e + 1])),) + shape[e + 1 :]
    assert_close(mx.flatten(a, start, end), a_np.reshape(new_shape))
    assert_close(a.flatten(start_axis=start, end_axis=end), a_np.reshape(new_shape))


def test_flatten_defaults_and_scalar(cube):
    a, a_np = cube
    assert_close(mx.flatten(a), a_np.reshape(-1))
    assert mx.flatten(mx.array(3.0)).shape == (1,)


@pytest.mark.parametrize(
    "axis, shape", [(1, (3, 1)), (2, (2, 2)), (-1, (2, -1)), (0, (1, 2))]
)
def test_unflatten(cube, axis, shape):
    a, a_np = cube
    ax = axis % 3
    dims = list(shape)
    if -1 in dims:
        dims[dims.index(-1)] = a_np.shape[ax] // -int(np.prod(dims))
    new_shape = a_np.shape[:ax] + tuple(dims) + a_np.shape[ax + 1 :]
    assert_close(mx.unflatten(a, axis, shape), a_np.reshape(new_shape))


def test_unflatten_bad_shape_raises(cube):
    with pytest.raises(ValueError):
        mx.unflatten(cube[0], 1, (2, 2))


@pytest.mark.parametrize("axes", [None, (0, 1, 2), (2, 0, 1), (1, 2, 0), (-1, 0, 1)])
def test_transpose(cube, axes):
    a, a_np = cube
    assert_close(mx.transpose(a, axes), np.transpose(a_np, axes))
    if axes is not None:
        assert_close(a.transpose(*axes), np.transpose(a_np, axes))
        assert_close(a.transpose(axes), np.transpose(a_np, axes))
    assert_close(a.T, a_np.T)


@pytest.mark.parametrize("axes", [(0, 1), (0, 0, 1), (0, 1, 3)])
def test_transpose_bad_axes_raise(cube, axes):
    with pytest.raises(ValueError):
        mx.transpose(cube[0], axes)


@pytest.mark.parametrize("a1, a2", [(0, 1), (0, 2), (-1, 0), (1, 1)])
def test_swapaxes(cube, a1, a2):
    a, a_np = cube
    assert_close(mx.swapaxes(a, a1, a2), np.swapaxes(a_np, a1, a2))
    assert_close(a.swapaxes(a1, a2), np.swapaxes(a_np, a1, a2))


@pytest.mark.parametrize("src, dst", [(0, 2), (2, 0), (-1, 1), (1, 1)])
def test_moveaxis(cube, src, dst):
    a, a_np = cube
    assert_close(mx.moveaxis(a, src, dst), np.moveaxis(a_np, src, dst))
    assert_close(a.moveaxis(src, dst), np.moveaxis(a_np, src, dst))


def test_squeeze():
    data = np.arange(6, dtype=np.float32).reshape(1, 2, 1, 3, 1)
    a = mx.array(data)
    assert_close(mx.squeeze(a), np.squeeze(data))
    for axis in (0, 2, -1, (0, 2), (0, 2, 4)):
        assert_close(mx.squeeze(a, axis), np.squeeze(data, axis))
        assert_close(a.squeeze(axis), np.squeeze(data, axis))
    with pytest.raises(ValueError):
        mx.squeeze(a, 1)
    with pytest.raises(ValueError):
        mx.squeeze(a, 5)


@pytest.mark.parametrize("axis", [0, 1, 3, -1, -4, (0, 1), (0, 4), (-1, -2)])
def test_expand_dims(cube, axis):
    a, a_np = cube
    assert_close(mx.expand_dims(a, axis), np.expand_dims(a_np, axis))


def test_expand_dims_bad_axis_raises(cube):
    with pytest.raises(ValueError):
        mx.expand_dims(cube[0], 5)
    with pytest.raises(ValueError):
        mx.expand_dims(cube[0], (0, 0))


def test_broadcast_to_errors(cube):
    with pytest.raises(ValueError):
        mx.broadcast_to(cube[0], (3, 3, 4))
    with pytest.raises(ValueError):
        mx.broadcast_to(cube[0], (3, 4))
    assert_close(mx.broadcast_to(2.0, (2, 2)), np.full((2, 2), 2.0))


@pytest.mark.parametrize("axis", [0, 1, 2, -1, None])
def test_concatenate(rng, axis):
    shapes = [(2, 3, 4), (2, 3, 4), (2, 3, 4)]
    if axis is not None:
        shapes = [list(s) for s in shapes]
        for i, s in enumerate(shapes):
            s[axis] = i + 1
    parts = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    out = mx.concatenate([mx.array(p) for p in parts], axis=axis)
    assert_close(out, np.concatenate(parts, axis=axis))


def test_concatenate_default_axis_and_promotion():
    a, b = mx.array([[1, 2]]), mx.array([[3.5, 4.5]])
    out = mx.concatenate([a, b])
    assert out.dtype == mx.float32
    assert_close(out, np.array([[1, 2], [3.5, 4.5]]))
    assert_close(mx.concatenate([a]), np.array([[1, 2]]))


def test_concatenate_mismatch_raises():
    with pytest.raises(ValueError):
        mx.concatenate([mx.zeros((2, 3)), mx.zeros((3, 2))], axis=0)
    with pytest.raises(ValueError):
        mx.concatenate([mx.zeros((2, 3)), mx.zeros((2,))])
    with pytest.raises(ValueError):
        mx.concatenate([mx.zeros((2, 3))], axis=2)


@pytest.mark.parametrize("axis", [0, 1, 2, 3, -1, -4])
def test_stack(rng, axis):
    parts = [rng.standard_normal((2, 3, 4)).astype(np.float32) for _ in range(3)]
    out = mx.stack([mx.array(p) for p in parts], axis=axis)
    assert_close(out, np.stack(parts, axis=axis))


def test_stack_default_and_errors():
    parts = [np.arange(3, dtype=np.float32) * i for i in range(4)]
    assert_close(mx.stack([mx.array(p) for p in parts]), np.stack(parts))
    with pytest.raises(ValueError):
        mx.stack([mx.zeros((2,)), mx.zeros((3,))])


@pytest.mark.parametrize(
    "arg, axis", [(2, 0), (3, 1), (4, 2), (1, 0), ([1, 3], 2), ([0, 2], 1), ([], 0)]
)
def test_split(cube, arg, axis):
    a, a_np = cube
    outs = mx.split(a, arg, axis=axis)
    expected = np.split(a_np, arg, axis=axis)
    assert len(outs) == len(expected)
    for got, want in zip(outs, expected):
        assert_close(got, want)
    method = a.split(arg if isinstance(arg, int) else tuple(arg), axis)
    assert len(method) == len(expected)


def test_split_uneven_raises(cube):
    with pytest.raises(ValueError):
        mx.split(cube[0], 3, axis=2)


def test_split_past_end_gives_empty_parts(cube):
    a, a_np = cube
    outs = mx.split(a, [1, 10], axis=1)
    expected = np.split(a_np, [1, 10], axis=1)
    assert [o.shape for o in outs] == [e.shape for e in expected]


def test_contiguous(cube):
    a, a_np = cube
    views = [(a.T, a_np.T), (a[:, ::-1, ::2], a_np[:, ::-1, ::2]), (a, a_np)]
    for view, want in views:
        assert_close(mx.contiguous(view), want)
        assert_close(mx.contiguous(view, allow_col_major=True), want)
