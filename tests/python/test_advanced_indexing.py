"""Advanced (integer-array and mask) indexing, a.at[] updates and take/put ops.

numpy is the oracle throughout: every index is written once with numpy arrays
and then passed to Ember as mx.array, as a Python list and as numpy.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import mlx.core as mx
from oracle import assert_close

SHAPE = (3, 4, 5, 6)
DATA = np.arange(np.prod(SHAPE), dtype=np.int32).reshape(SHAPE)
I2 = np.array([0, 2])
J2 = np.array([1, 3])
ROWS = np.array([[0], [2]])

INDICES = [
    np.s_[np.array([0, 2, 1])],
    np.s_[np.array([-1, -3])],
    np.s_[np.array([[0, 1], [2, 0]])],
    np.s_[np.array(1)],
    np.s_[:, J2],
    np.s_[..., np.array([0, 5, -1])],
    np.s_[I2, J2],
    np.s_[:, I2, J2],
    np.s_[:, ROWS, J2],
    np.s_[I2, :, J2],
    np.s_[I2, ..., np.array([4, 5])],
    np.s_[1, :, J2],
    np.s_[:, J2, 1],
    np.s_[:, 1, J2, ::-1],
    np.s_[None, I2, ::-1],
    np.s_[I2, None, J2],
    np.s_[::-1, J2, ::2],
    np.s_[1:, ::-2, I2, None],
    np.s_[ROWS, 1:3, np.array([0, 4, 3]), -1],
    np.s_[np.int64(1), J2],
    np.s_[-4::-1],
    np.s_[I2, -5::-2],
    # An Ellipsis that stands for no axes still separates advanced indices.
    np.s_[I2, ..., J2, 1, 2],
    np.s_[:, I2, ..., J2, 2],
    np.s_[0, :, I2, ..., 1],
    np.s_[:, I2, 1:, ..., J2],
]


def as_kind(index, kind):
    """The same index with its numpy arrays as mx.array, list or numpy."""
    convert = {"mx": mx.array, "list": lambda x: x.tolist(), "numpy": lambda x: x}
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for part in parts:
        is_array = isinstance(part, np.ndarray)
        out.append(convert[kind](part) if is_array else part)
    return tuple(out) if isinstance(index, tuple) else out[0]


@pytest.mark.parametrize("kind", ["mx", "list", "numpy"])
@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_getitem_matches_numpy(index, kind):
    got = mx.array(DATA)[as_kind(index, kind)]
    assert_close(got, DATA[index])


@st.composite
def mixed_indices(draw):
    """Random tuples of ints, slices, integer arrays, None and Ellipsis."""
    array_shape = draw(st.sampled_from([(2,), (3,), (2, 1), (1, 3), ()]))
    index = []
    for size in SHAPE[: draw(st.integers(1, len(SHAPE)))]:
        kind = draw(st.sampled_from(["int", "slice", "array", "array"]))
        if kind == "int":
            index.append(draw(st.integers(-size, size - 1)))
        elif kind == "array":
            n = int(np.prod(array_shape))
            flat = draw(st.lists(st.integers(-size, size - 1), min_size=n, max_size=n))
            index.append(np.array(flat, dtype=np.int64).reshape(array_shape))
        else:
            ends = st.none() | st.integers(-size - 2, size + 2)
            step = draw(st.sampled_from([None, 1, 2, -1, -2, 3]))
            index.append(slice(draw(ends), draw(ends), step))
    for extra in (None, Ellipsis):
        if draw(st.booleans()):
            index.insert(draw(st.integers(0, len(index))), extra)
    return tuple(index)


@settings(max_examples=300)
@given(index=mixed_indices(), kind=st.sampled_from(["mx", "list", "numpy"]))
def test_random_indices_match_numpy(index, kind):
    got = mx.array(DATA)[as_kind(index, kind)]
    assert_close(got, DATA[index])


@given(index=mixed_indices(), kind=st.sampled_from(["mx", "list", "numpy"]))
def test_random_setitem_matches_numpy(index, kind):
    # Only indices that reach each element once: numpy leaves repeats undefined.
    reached = np.arange(DATA.size).reshape(SHAPE)[index]
    assume(np.unique(reached).size == reached.size)
    values = -1 - np.arange(reached.size, dtype=np.int32).reshape(reached.shape)
    a = mx.array(DATA)
    a[as_kind(index, kind)] = mx.array(values)
    want = DATA.copy()
    want[index] = values
    assert_close(a, want)


def test_empty_index_array():
    got = mx.array(DATA)[mx.array(np.zeros(0, dtype=np.int32)), 1]
    assert_close(got, DATA[np.zeros(0, dtype=np.int32), 1])


def test_index_dtypes():
    a = mx.array(DATA)
    for dtype in (mx.int8, mx.int16, mx.int64, mx.uint8, mx.uint32, mx.uint64):
        idx = mx.array([2, 0, 1], dtype=dtype)
        assert_close(a[idx, :, 1], DATA[[2, 0, 1], :, 1])


OUT_OF_BOUNDS = [
    np.s_[np.array([3])],
    np.s_[np.array([-4])],
    np.s_[:, np.array([0, 4])],
    np.s_[0, 0, np.array([5]), np.array([-7])],
]


@pytest.mark.parametrize("index", OUT_OF_BOUNDS, ids=repr)
@pytest.mark.parametrize("kind", ["mx", "list", "numpy"])
def test_out_of_bounds_raises(index, kind):
    a = mx.array(DATA)
    with pytest.raises(IndexError):
        a[as_kind(index, kind)].tolist()
    with pytest.raises(IndexError):
        mx.eval(a[as_kind(index, kind)])


def set_at(index, value):
    a = mx.array(DATA)
    a[index] = value
    return a


OUT_OF_BOUNDS_UPDATES = [
    lambda: set_at(mx.array([3]), 0),
    lambda: set_at((0, mx.array([-5])), 0),
    lambda: mx.array(DATA).at[mx.array([0, 3])].add(1),
    lambda: mx.array(DATA).at[:, mx.array([4])].maximum(1),
    lambda: mx.take(mx.array(DATA), mx.array([DATA.size])),
    lambda: mx.take(mx.array(DATA), mx.array([-7]), axis=3),
    lambda: mx.take_along_axis(mx.array(DATA), mx.zeros((1, 1, 1, 1), mx.int32) + 6, 3),
    lambda: mx.put_along_axis(mx.array(DATA), mx.array([[[[5]]]]), mx.array(0), 1),
]


@pytest.mark.parametrize("make", OUT_OF_BOUNDS_UPDATES)
def test_out_of_bounds_updates_and_takes_raise(make):
    with pytest.raises(IndexError):
        make().tolist()


SET_INDICES = [
    np.s_[np.array([2, 0])],
    np.s_[np.array([-1, 1]), 1:3],
    np.s_[:, J2],
    np.s_[I2, :, np.array([4, 0])],
    np.s_[1, :, J2],
    np.s_[ROWS, J2, ::-1],
    np.s_[..., np.array([0, 5])],
    np.s_[-4::-1, J2],
]


@pytest.mark.parametrize("kind", ["mx", "list", "numpy"])
@pytest.mark.parametrize("value_kind", ["scalar", "full", "row"])
@pytest.mark.parametrize("index", SET_INDICES, ids=repr)
def test_setitem_with_arrays(rng, index, value_kind, kind):
    want = DATA.astype(np.float32)
    target = want[index].shape
    value = {
        "scalar": np.float32(-7.0),
        "full": rng.standard_normal(target).astype(np.float32),
        "row": rng.standard_normal(target[-1:]).astype(np.float32),
    }[value_kind]
    a = mx.array(want)
    a[as_kind(index, kind)] = mx.array(value)
    want[index] = value
    assert_close(a, want)


MASK_SHAPES = [SHAPE, SHAPE[:2], SHAPE[:1]]


@pytest.mark.parametrize("kind", ["mx", "numpy"])
@pytest.mark.parametrize("mask_shape", MASK_SHAPES)
def test_setitem_mask_scalar(rng, mask_shape, kind):
    mask = rng.random(mask_shape) < 0.4
    want = DATA.astype(np.float32)
    a = mx.array(want)
    a[as_kind(mask, kind)] = 2.5
    want[mask] = 2.5
    assert_close(a, want)


@pytest.mark.parametrize("mask_shape", MASK_SHAPES)
def test_setitem_mask_value_per_true_element(rng, mask_shape):
    mask = rng.random(mask_shape) < 0.4
    want = DATA.astype(np.float32)
    values = rng.standard_normal(want[mask].shape).astype(np.float32)
    a = mx.array(want)
    a[mx.array(mask)] = mx.array(values)
    want[mask] = values
    assert_close(a, want)


def test_setitem_numpy_mask_built_from_the_array():
    a = mx.array(DATA)
    a[a % 7 == 0] = -1
    want = DATA.copy()
    want[want % 7 == 0] = -1
    assert_close(a, want)


AT_OPS = [
    ("add", np.add),
    ("subtract", np.subtract),
    ("multiply", np.multiply),
    ("divide", np.divide),
    ("maximum", np.maximum),
    ("minimum", np.minimum),
]
AT_INDICES = [
    np.s_[np.array([0, 2, 0, 0, 1])],
    np.s_[np.array([[1, 1], [3, 1]])],
    np.s_[:, np.array([4, 4, 0, -1])],
    np.s_[np.array([2, 2, 0]), np.array([1, 1, 1])],
    np.s_[np.array([1, 1]), :, np.array([0, 0])],
    np.s_[1:, np.array([0, 0])],
    np.s_[-1],
]


@pytest.mark.parametrize("index", AT_INDICES, ids=repr)
@pytest.mark.parametrize("name, ufunc", AT_OPS, ids=[n for n, _ in AT_OPS])
def test_at_updates_accumulate(rng, name, ufunc, index):
    x = rng.uniform(0.5, 2.0, (4, 5, 3))
    u = rng.uniform(0.5, 2.0, x[index].shape)
    a = mx.array(x, dtype=mx.float64)
    got = getattr(a.at[as_kind(index, "mx")], name)(mx.array(u, dtype=mx.float64))
    want = x.copy()
    ufunc.at(want, index, u)
    assert_close(got, want)
    assert_close(a, x)


def test_at_add_broadcasts_the_update_and_keeps_dtype():
    a = mx.zeros((4, 3), dtype=mx.int32)
    got = a.at[mx.array([1, 3, 1])].add(mx.array([1, 2, 3], dtype=mx.int32))
    want = np.zeros((4, 3), dtype=np.int32)
    np.add.at(want, [1, 3, 1], np.array([1, 2, 3], dtype=np.int32))
    assert got.dtype == mx.int32
    assert_close(got, want)
    scalar = a.at[[0, 0, 2]].add(5)
    want = np.zeros((4, 3), dtype=np.int32)
    np.add.at(want, [0, 0, 2], 5)
    assert_close(scalar, want)


TAKE_CASES = [
    (np.array([0, 5, -1, 7]), None),
    (np.array([[1, 2], [0, 0]]), None),
    (np.array([2, 0, 2]), 0),
    (np.array([3, -1]), 1),
    (np.array([[4, 0], [1, 1]]), -1),
    (np.array(2), 1),
]


@pytest.mark.parametrize("indices, axis", TAKE_CASES, ids=repr)
def test_take(rng, indices, axis):
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    got = mx.take(mx.array(x), mx.array(indices), axis=axis)
    assert_close(got, np.take(x, indices, axis=axis))


def test_take_with_python_int_and_list():
    x = np.arange(12).reshape(3, 4)
    assert_close(mx.take(mx.array(x), 1, axis=1), np.take(x, 1, axis=1))
    assert_close(mx.take(mx.array(x), [0, -1], axis=0), np.take(x, [0, -1], axis=0))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_take_along_axis_with_argsort(rng, axis):
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    order = np.argsort(x, axis=axis)
    got = mx.take_along_axis(mx.array(x), mx.array(order), axis=axis)
    assert_close(got, np.take_along_axis(x, order, axis=axis))


def test_take_along_axis_broadcasts_indices(rng):
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    indices = rng.integers(-4, 4, (1, 6, 5))
    got = mx.take_along_axis(mx.array(x), mx.array(indices), axis=1)
    assert_close(got, np.take_along_axis(x, indices, axis=1))


def test_take_along_axis_flat(rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    indices = np.array([11, 0, 5, 5])
    got = mx.take_along_axis(mx.array(x), mx.array(indices), axis=None)
    assert_close(got, np.take_along_axis(x, indices, axis=None))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_put_along_axis(rng, axis):
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    # Distinct indices along the axis: numpy does not define which write wins.
    order = np.argsort(rng.random(x.shape), axis=axis)
    indices = np.take(order, [0, 2], axis=axis)
    values = rng.standard_normal(indices.shape).astype(np.float32)
    got = mx.put_along_axis(mx.array(x), mx.array(indices), mx.array(values), axis)
    want = x.copy()
    np.put_along_axis(want, indices, values, axis=axis)
    assert_close(got, want)


def test_put_along_axis_broadcasts_values(rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    indices = np.array([[0], [3], [-1]])
    got = mx.put_along_axis(mx.array(x), mx.array(indices), mx.array(9.0), axis=1)
    want = x.copy()
    np.put_along_axis(want, indices, 9.0, axis=1)
    assert_close(got, want)


def test_indices_from_differentiated_inputs_need_stop_gradient():
    # As in MLX: an index computed from a differentiated input is an error
    # unless stop_gradient cuts it; with the cut the gradient flows to the
    # gathered values only.
    w = mx.array([3.0, 1.0, 2.0, 0.0])
    with pytest.raises(ValueError, match="stop_gradient"):
        mx.grad(lambda v: mx.take(v, mx.argsort(v)[:2]).sum())(w)
    with pytest.raises(ValueError, match="stop_gradient"):
        mx.grad(lambda v: v[mx.argmax(v)] * 2)(w)
    with pytest.raises(ValueError, match="stop_gradient"):
        mx.grad(lambda v: mx.zeros(4).at[mx.argmin(v)].add(v[0]).sum())(w)
    g = mx.grad(lambda v: mx.take(v, mx.stop_gradient(mx.argsort(v)[:2])).sum())(w)
    np.testing.assert_array_equal(np.array(g), [0, 1, 0, 1])
    # sort, topk and max pick their indices internally and stay differentiable
    np.testing.assert_array_equal(np.array(mx.grad(lambda v: mx.sort(v)[:2].sum())(w)),
                                  [0, 1, 0, 1])
    np.testing.assert_array_equal(np.array(mx.grad(lambda v: mx.topk(v, 1).sum())(w)),
                                  [1, 0, 0, 0])
