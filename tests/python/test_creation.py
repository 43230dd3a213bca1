"""Array creation: constructors and the creation functions, against numpy."""

import numpy as np
import pytest

import mlx.core as mx
from oracle import NP_DTYPE, assert_close, name_of, np_dtype, to_numpy


@pytest.mark.parametrize(
    "value, dtype, pytype",
    [
        (3, mx.int32, int),
        (-7, mx.int32, int),
        (1.5, mx.float32, float),
        (True, mx.bool_, bool),
        (False, mx.bool_, bool),
        (2 + 3j, mx.complex64, complex),
    ],
)
def test_python_scalar_inference(value, dtype, pytype):
    a = mx.array(value)
    assert a.dtype == dtype
    assert a.shape == ()
    assert a.ndim == 0
    assert a.size == 1
    assert isinstance(a.item(), pytype)
    assert a.item() == value


def test_large_python_int_widens_to_int64():
    for value in (2**31, 2**40, -(2**31) - 1):
        assert mx.array(value).dtype == mx.int64
        assert mx.array(value).item() == value
    for value in (2**31 - 1, -(2**31)):
        assert mx.array(value).dtype == mx.int32


@pytest.mark.parametrize(
    "data",
    [
        [1, 2, 3],
        [[1, 2], [3, 4], [5, 6]],
        [[[1.5, 2.0]], [[3.0, -4.25]]],
        [True, False, True],
        [1j, 1 + 2j],
        (1, 2, 3),
        [[1, 2.5], [3, 4]],
    ],
)
def test_nested_lists(data):
    a = mx.array(data)
    expected = np.array(data)
    assert a.shape == expected.shape
    if expected.dtype.kind == "f":
        assert a.dtype == mx.float32
    elif expected.dtype.kind == "c":
        assert a.dtype == mx.complex64
    elif expected.dtype.kind == "b":
        assert a.dtype == mx.bool_
    else:
        assert a.dtype == mx.int32
    np.testing.assert_array_equal(to_numpy(a), expected)


def test_mixed_list_promotes():
    assert mx.array([True, 2]).dtype == mx.int32
    assert mx.array([True, 2, 3.0]).dtype == mx.float32
    assert mx.array([1, 2j]).dtype == mx.complex64


def test_empty_lists():
    assert mx.array([]).shape == (0,)
    assert mx.array([]).dtype == mx.float32
    assert mx.array([[], [], []]).shape == (3, 0)


def test_ragged_list_raises():
    with pytest.raises(ValueError):
        mx.array([[1, 2], [3]])
    with pytest.raises(ValueError):
        mx.array([[1, 2], [[3, 4], 5]])


def test_explicit_dtype():
    a = mx.array([1, 2, 3], dtype=mx.float16)
    assert a.dtype == mx.float16
    np.testing.assert_array_equal(np.array(a), np.array([1, 2, 3], np.float16))
    b = mx.array([1.7, -2.2, 0.0], mx.int32)
    expected = np.array([1.7, -2.2, 0.0]).astype(np.int32)
    np.testing.assert_array_equal(np.array(b), expected)
    c = mx.array([0.0, 2.0], mx.bool_)
    assert c.tolist() == [False, True]


@pytest.mark.parametrize(
    "name",
    ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32"]
    + ["int64", "float16", "float32", "complex64"],
)
def test_from_numpy_keeps_dtype(rng, name):
    data = rng.uniform(0, 100, (4, 5))
    data = data > 50 if name == "bool" else data.astype(NP_DTYPE[name])
    a = mx.array(data)
    assert name_of(a.dtype) == name
    assert a.shape == (4, 5)
    np.testing.assert_array_equal(np.array(a), data)


def test_from_numpy_float64_and_complex128():
    # MLX turns float64 numpy data into float32 unless asked to keep it.
    data = np.linspace(-1, 1, 7)
    assert mx.array(data).dtype == mx.float32
    assert_close(mx.array(data), data)
    kept = mx.array(data, dtype=mx.float64)
    assert kept.dtype == mx.float64
    np.testing.assert_array_equal(np.array(kept), data)
    assert mx.array(np.array([1 + 2j])).dtype == mx.complex64


def test_from_noncontiguous_numpy(rng):
    data = rng.standard_normal((6, 8)).astype(np.float32)
    for view in (data.T, data[::2, ::-3], data[:, 1]):
        np.testing.assert_array_equal(np.array(mx.array(view)), view)


def test_from_numpy_scalar():
    a = mx.array(np.float32(2.5))
    assert a.dtype == mx.float32 and a.shape == () and a.item() == 2.5
    assert mx.array(np.int64(7)).dtype == mx.int64


def test_from_mx_array_copies_and_casts():
    x = mx.array([1.5, 2.5])
    y = mx.array(x)
    assert y.dtype == mx.float32
    assert y.tolist() == [1.5, 2.5]
    assert mx.array(x, mx.int32).tolist() == [1, 2]


@pytest.mark.parametrize("fn", ["zeros", "ones"])
@pytest.mark.parametrize("shape", [(), 5, (2, 3), (0, 4), (1, 1, 3)])
def test_zeros_ones(fn, shape):
    a = getattr(mx, fn)(shape)
    assert a.dtype == mx.float32
    assert_close(a, getattr(np, fn)(shape, np.float32))
    b = getattr(mx, fn)(shape, dtype=mx.int16)
    assert b.dtype == mx.int16
    assert_close(b, getattr(np, fn)(shape, np.int16))


def test_zeros_like_ones_like(rng):
    for dtype in (mx.float16, mx.int32, mx.bool_, mx.float64):
        x = mx.array(rng.integers(0, 3, (3, 4)), dtype=dtype)
        for fn in ("zeros_like", "ones_like"):
            y = getattr(mx, fn)(x)
            assert y.dtype == dtype and y.shape == (3, 4)
            expected = getattr(np, fn)(np.zeros((3, 4), np_dtype(dtype)))
            np.testing.assert_array_equal(to_numpy(y), expected)


def test_full():
    a = mx.full((2, 3), 7)
    assert a.dtype == mx.int32
    np.testing.assert_array_equal(np.array(a), np.full((2, 3), 7, np.int32))
    b = mx.full((2, 3), 7.5)
    assert b.dtype == mx.float32
    c = mx.full((4, 3), mx.array([1.0, 2.0, 3.0]))
    expected = np.broadcast_to(np.array([1.0, 2.0, 3.0], np.float32), (4, 3))
    np.testing.assert_array_equal(np.array(c), expected)
    d = mx.full(5, 1, dtype=mx.float16)
    assert d.dtype == mx.float16 and d.shape == (5,)
    with pytest.raises(ValueError):
        mx.full((2, 2), mx.array([1, 2, 3]))


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((5,), {}),
        ((1, 10, 3), {}),
        ((10, 0, -2), {}),
        ((0,), {}),
        ((3, 3), {}),
        ((-3, 4), {}),
    ],
)
def test_arange_int(args, kwargs):
    a = mx.arange(*args, **kwargs)
    assert a.dtype == mx.int32
    np.testing.assert_array_equal(np.array(a), np.arange(*args))


@pytest.mark.parametrize(
    "args",
    [(0.0, 1.0, 0.25), (0, 1, 0.1), (2.5,), (-1.0, 1.0, 0.3), (5.0, 1.0, -0.5)],
)
def test_arange_float(args):
    a = mx.arange(*args)
    assert a.dtype == mx.float32
    assert_close(a, np.arange(*args))


def test_arange_dtype():
    a = mx.arange(6, dtype=mx.float32)
    assert a.dtype == mx.float32
    assert_close(a, np.arange(6, dtype=np.float32))
    b = mx.arange(0, 10, 2, dtype=mx.int64)
    assert b.dtype == mx.int64
    np.testing.assert_array_equal(np.array(b), np.arange(0, 10, 2))
    c = mx.arange(1, 2, 0.25, dtype=mx.float64)
    assert c.dtype == mx.float64
    assert_close(c, np.arange(1, 2, 0.25))


def test_arange_integer_corner_cases():
    # Integer dtypes step by the truncated start and step (as MLX does).
    assert mx.arange(0, 3, 0.2, dtype=mx.int32).tolist() == [0] * 15
    assert mx.arange(-1, -20, -1.2, dtype=mx.int32).tolist() == list(range(-1, -17, -1))
    # An infinite step keeps only the start, when it lies toward the stop.
    assert mx.arange(0, 10, float("inf")).tolist() == [0]
    assert mx.arange(10, 0, float("inf")).tolist() == []
    # Ranges past int32 widen to int64; an explicit int32 wraps.
    n = 2**31 - 1
    wide = mx.arange(n - 1, n + 3)
    assert wide.dtype == mx.int64 and wide.tolist() == [n - 1, n, n + 1, n + 2]
    narrow = mx.arange(n - 1, n + 3, dtype=mx.int32)
    assert narrow.tolist() == list(np.arange(n - 1, n + 3).astype(np.int32))


def test_arange_zero_step_raises():
    with pytest.raises(ValueError):
        mx.arange(0, 10, 0)


@pytest.mark.parametrize(
    "start, stop, num",
    [(0, 1, 5), (-2.7, -0.7, 7), (0, 1, 10), (1, 10, 1), (3, -3, 50)],
)
def test_linspace(start, stop, num):
    a = mx.linspace(start, stop, num)
    assert a.dtype == mx.float32
    assert_close(a, np.linspace(start, stop, num))


def test_linspace_default_num_endpoint_dtype():
    assert_close(mx.linspace(0, 1), np.linspace(0, 1))
    assert_close(mx.linspace(0, 10, 5, endpoint=False), np.linspace(0, 10, 5, False))
    b = mx.linspace(0, 1, 9, dtype=mx.float64)
    assert b.dtype == mx.float64
    assert_close(b, np.linspace(0, 1, 9))


@pytest.mark.parametrize(
    "n, m, k", [(3, None, 0), (4, 6, 0), (5, 3, 1), (4, 4, -2), (3, 3, 5)]
)
def test_eye_and_tri(n, m, k):
    e = mx.eye(n, m, k)
    assert e.dtype == mx.float32
    assert_close(e, np.eye(n, m, k))
    t = mx.tri(n, m, k)
    assert t.dtype == mx.float32
    assert_close(t, np.tri(n, m, k))
    assert_close(mx.eye(n, m, k, dtype=mx.int32), np.eye(n, m, k, dtype=np.int32))
    assert_close(mx.tri(n, m, k, dtype=mx.int32), np.tri(n, m, k, dtype=np.int32))


def test_identity():
    assert_close(mx.identity(4), np.identity(4))
    i = mx.identity(3, dtype=mx.float16)
    assert i.dtype == mx.float16
    assert_close(i, np.identity(3))
