"""Pickling, copying, numpy conversion, the buffer protocol and repr."""

import copy
import pickle

import numpy as np
import pytest

import mlx.core as mx
from oracle import ALL_DTYPES, np_dtype, random_array, to_numpy

NUMPY_DTYPES = [d for d in ALL_DTYPES if d != mx.bfloat16]


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_pickle_roundtrip(rng, dtype):
    x, x_np = random_array(rng, (2, 3, 2), dtype, 0, 50)
    for a, want in ((x, x_np), (x.T, x_np.T), (x[0, 1, 1], x_np[0, 1, 1])):
        y = pickle.loads(pickle.dumps(a))
        assert isinstance(y, mx.array)
        assert y.dtype == dtype and y.shape == a.shape
        np.testing.assert_array_equal(to_numpy(y), want)


def test_copy_and_deepcopy_are_independent():
    a = mx.array([1.0, 2.0, 3.0])
    shallow, deep = copy.copy(a), copy.deepcopy(a)
    a += 1
    assert shallow.tolist() == [1.0, 2.0, 3.0]
    assert deep.tolist() == [1.0, 2.0, 3.0]
    nested = copy.deepcopy({"w": a, "b": [a, 2]})
    assert nested["w"].tolist() == [2.0, 3.0, 4.0]
    assert nested["b"][1] == 2


@pytest.mark.parametrize("dtype", NUMPY_DTYPES, ids=str)
def test_to_numpy_keeps_dtype(rng, dtype):
    x, x_np = random_array(rng, (3, 4), dtype, 0, 50)
    for convert in (np.array, np.asarray):
        out = convert(x)
        assert out.dtype == np_dtype(dtype)
        assert out.shape == (3, 4)
        np.testing.assert_array_equal(out, x_np)
    np.testing.assert_array_equal(np.asarray(x.T), x_np.T)
    np.testing.assert_array_equal(np.asarray(x[::-1, 1::2]), x_np[::-1, 1::2])


def test_numpy_conversion_of_lazy_results():
    a = mx.arange(10) * 2 + 1
    np.testing.assert_array_equal(np.array(a), np.arange(10) * 2 + 1)
    assert np.array(mx.array(3.5)).shape == ()
    as_double = np.array(a, dtype=np.float64)
    assert as_double.dtype == np.float64
    np.testing.assert_array_equal(as_double, np.arange(10) * 2.0 + 1)


def test_numpy_array_is_a_copy():
    a = mx.array([1, 2, 3])
    out = np.array(a)
    out[0] = 100
    assert a.tolist() == [1, 2, 3]


def test_numpy_ufuncs_accept_arrays(rng):
    x, x_np = random_array(rng, (5,), mx.float32)
    np.testing.assert_allclose(np.exp(np.asarray(x)), np.exp(x_np))
    np.testing.assert_allclose(np.sum(np.asarray(x)), np.sum(x_np), rtol=1e-6)


@pytest.mark.parametrize(
    "dtype, fmt",
    [
        (mx.float32, "f"),
        (mx.float64, "d"),
        (mx.int32, "i"),
        (mx.uint8, "B"),
        (mx.int64, "q"),
        (mx.bool_, "?"),
    ],
    ids=str,
)
def test_buffer_protocol(rng, dtype, fmt):
    x, x_np = random_array(rng, (2, 3), dtype, 0, 50)
    view = memoryview(x)
    assert view.format.lstrip("@=<") in (fmt, fmt.replace("q", "l"))
    assert view.shape == (2, 3)
    assert view.itemsize == dtype.size
    assert view.nbytes == x.nbytes
    np.testing.assert_array_equal(np.asarray(view), x_np)
    flat = np.frombuffer(bytes(view), x_np.dtype)
    np.testing.assert_array_equal(flat, x_np.ravel())


def test_buffer_protocol_of_views(rng):
    x, x_np = random_array(rng, (4, 6), mx.float32)
    cases = [(x.T, x_np.T), (x[::2, ::-1], x_np[::2, ::-1]), (x + 1, x_np + 1)]
    for a, want in cases:
        np.testing.assert_array_equal(np.asarray(memoryview(a)), want)


def test_numpy_interop_in_ops(rng):
    x, x_np = random_array(rng, (3,), mx.float32)
    out = x + np.array([1.0, 2.0, 3.0], np.float32)
    assert isinstance(out, mx.array)
    np.testing.assert_allclose(np.array(out), x_np + [1.0, 2.0, 3.0], rtol=1e-6)
    out = mx.array(1) + np.array(2, dtype=np.int32)
    assert isinstance(out, mx.array) and out.item() == 3


MATRIX_REPR = "array([[1, 2],\n       [3, 4]], dtype=int32)"


@pytest.mark.parametrize(
    "make, text",
    [
        (lambda: mx.array([1, 2, 3]), "array([1, 2, 3], dtype=int32)"),
        (lambda: mx.array(1.5), "array(1.5, dtype=float32)"),
        (lambda: mx.array(7), "array(7, dtype=int32)"),
        (lambda: mx.array([[1, 2], [3, 4]]), MATRIX_REPR),
        (lambda: mx.array([1.5, -2.25]), "array([1.5, -2.25], dtype=float32)"),
        (lambda: mx.array([True, False]), "array([True, False], dtype=bool)"),
    ],
)
def test_repr(make, text):
    a = make()
    assert repr(a) == text
    assert str(a) == text
    assert f"{a}" == text


def test_repr_of_lazy_and_large_arrays():
    lazy = mx.arange(3) + 1
    assert repr(lazy) == "array([1, 2, 3], dtype=int32)"
    big = repr(mx.zeros((1000, 1000)))
    assert big.startswith("array(") and big.endswith("dtype=float32)")
    assert len(big) < 5000
