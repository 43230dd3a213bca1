"""The one-axis softmax primitive (ops/reduce.cpp, backend/cpu/reduce.cpp)
against float64 numpy: every axis, line lengths around the 16- and 32-wide loops,
half types, strided inputs, NaN and infinite lines, and its vjp, jvp, vmap,
compile and export rules (against finite differences and the multi-axis
composition)."""

import os
import tempfile

import numpy as np
import pytest

import mlx.core as mx


def softmax64(x, axis):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("n", [1, 7, 16, 17, 31, 33, 64, 65, 100, 4099])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_matches_float64(n, axis):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal((3, n, 5)) * 4).astype(np.float32)
    got = np.asarray(mx.softmax(mx.array(x), axis=axis))
    np.testing.assert_allclose(got, softmax64(x, axis), rtol=2e-6, atol=1e-9)
    np.testing.assert_allclose(got.sum(axis=axis), 1.0, rtol=1e-5)


@pytest.mark.parametrize("dtype,rtol", [(mx.float16, 2e-3), (mx.bfloat16, 1.6e-2)])
def test_half_types(dtype, rtol):
    x = np.random.default_rng(0).standard_normal((4, 300)).astype(np.float32)
    xs = mx.array(x).astype(dtype)
    got = mx.softmax(xs, axis=-1)
    assert got.dtype == dtype
    want = softmax64(np.asarray(xs.astype(mx.float32)), -1)
    np.testing.assert_allclose(np.asarray(got.astype(mx.float32)), want, rtol=rtol, atol=1e-4)


def test_strided_and_transposed_inputs():
    x = np.random.default_rng(1).standard_normal((40, 60)).astype(np.float32)
    a = mx.array(x)
    for view, ref in [(a.T, x.T), (a[::2, ::-3], x[::2, ::-3])]:
        for axis in (0, 1):
            np.testing.assert_allclose(np.asarray(mx.softmax(view, axis=axis)),
                                       softmax64(ref, axis), rtol=2e-6, atol=1e-9)


def test_integer_input_and_large_values():
    x = np.array([[1, 2, 3], [1000, 1001, 999]], dtype=np.int32)
    got = mx.softmax(mx.array(x), axis=-1)
    assert got.dtype == mx.float32
    np.testing.assert_allclose(np.asarray(got), softmax64(x, -1), rtol=2e-6)


def test_nan_and_infinite_lines():
    x = np.array([
        [0.0, np.nan, 1.0],
        [-np.inf, -np.inf, -np.inf],
        [-np.inf, 0.0, 1.0],
        [np.inf, 0.0, 1.0],
    ] * 6, dtype=np.float32)  # 18 rows: the lines run on 16-lane loops too
    for arr in (x, np.ascontiguousarray(x.T)):
        axis = -1 if arr is x else 0
        got = np.asarray(mx.softmax(mx.array(arr), axis=axis))
        want = softmax64(arr, axis)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        ok = ~np.isnan(want)
        np.testing.assert_allclose(got[ok], want[ok], rtol=2e-6)


def test_bad_axis_raises():
    with pytest.raises(ValueError, match=r"\[softmax\]"):
        mx.softmax(mx.zeros((2, 3)), axis=2)


def test_vjp_and_jvp_match_finite_differences():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 7)).astype(np.float64)
    w = rng.standard_normal((3, 7)).astype(np.float64)
    for axis in (0, 1):
        f = lambda v: (mx.softmax(v, axis=axis) * mx.array(w.astype(np.float32))).sum()
        g = np.asarray(mx.grad(f)(mx.array(x.astype(np.float32))))
        eps = 1e-6
        fd = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            d = np.zeros_like(x)
            d[idx] = eps
            fd[idx] = ((softmax64(x + d, axis) * w).sum() - (softmax64(x - d, axis) * w).sum()) / (2 * eps)
        np.testing.assert_allclose(g, fd, rtol=1e-4, atol=1e-6)
        t = rng.standard_normal(x.shape)
        _, (jt,) = mx.jvp(lambda v: mx.softmax(v, axis=axis), [mx.array(x.astype(np.float32))],
                          [mx.array(t.astype(np.float32))])
        fd_t = (softmax64(x + eps * t, axis) - softmax64(x - eps * t, axis)) / (2 * eps)
        np.testing.assert_allclose(np.asarray(jt), fd_t, rtol=1e-4, atol=1e-6)


def test_vmap_moves_the_axis():
    x = mx.array(np.random.default_rng(3).standard_normal((4, 5, 6)).astype(np.float32))
    for in_axis in (0, 1, 2):
        got = mx.vmap(lambda v: mx.softmax(v, axis=0), in_axes=in_axis)(x)
        moved = np.moveaxis(np.asarray(x), in_axis, 0)
        np.testing.assert_allclose(np.asarray(got), softmax64(moved, 1), rtol=2e-6, atol=1e-9)


def test_same_as_the_multi_axis_composition_on_one_axis():
    # A two-axis softmax over a size-1 axis and the real one is the old
    # composition; it must agree with the kernel.
    x = mx.array(np.random.default_rng(4).standard_normal((6, 1, 33)).astype(np.float32))
    np.testing.assert_allclose(np.asarray(mx.softmax(x, axis=-1)),
                               np.asarray(mx.softmax(x, axis=(1, 2))), rtol=1e-6, atol=1e-9)


def test_compile_and_export():
    x = mx.array(np.random.default_rng(5).standard_normal((8, 20)).astype(np.float32))
    f = lambda v: mx.softmax(v * 2.0, axis=-1)
    np.testing.assert_allclose(np.asarray(mx.compile(f)(x)), np.asarray(f(x)), rtol=1e-6)
    shapeless = mx.compile(f, shapeless=True)
    for rows in (8, 3):
        np.testing.assert_allclose(np.asarray(shapeless(x[:rows])), np.asarray(f(x[:rows])),
                                   rtol=1e-6)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "softmax.mlxfn")
        mx.export_function(path, f, x)
        (out,) = mx.import_function(path)(x)
        np.testing.assert_allclose(np.asarray(out), np.asarray(f(x)), rtol=1e-6)
