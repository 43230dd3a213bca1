"""Reductions against numpy (float64 for the oracle of float inputs)."""

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import mlx.core as mx
from oracle import assert_close, random_array

AXES = [None, 0, 1, -1, (0, 2), (2, 0), (0, 1, 2), (-1, -2)]
AXES_IDS = [str(a) for a in AXES]

# name, oracle, low, high
FLOAT_REDUCTIONS = [
    ("sum", np.sum, -1, 1),
    ("prod", np.prod, 0.8, 1.25),
    ("max", np.max, -1, 1),
    ("min", np.min, -1, 1),
    ("mean", np.mean, -1, 1),
]


def logsumexp64(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def softmax64(x, axis=None):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=AXES_IDS)
@pytest.mark.parametrize("dtype", [mx.float32, mx.float64])
@pytest.mark.parametrize("name, oracle, low, high", FLOAT_REDUCTIONS)
def test_float_reductions(rng, name, oracle, low, high, dtype, axis, keepdims):
    x, x_np = random_array(rng, (3, 4, 5), dtype, low, high)
    out = getattr(mx, name)(x, axis=axis, keepdims=keepdims)
    assert out.dtype == dtype
    expected = oracle(x_np.astype(np.float64), axis=axis, keepdims=keepdims)
    assert_close(out, expected, dtype, scale=4)
    method = getattr(x, name)(axis=axis, keepdims=keepdims)
    assert_close(method, expected, dtype, scale=4)


@pytest.mark.parametrize("axis", AXES, ids=AXES_IDS)
@pytest.mark.parametrize("name", ["sum", "prod", "max", "min"])
def test_int_reductions(rng, name, axis):
    # |values| <= 1 keeps prod inside int32.
    x, x_np = random_array(rng, (3, 4, 5), mx.int32, -1, 1)
    if name != "prod":
        x, x_np = random_array(rng, (3, 4, 5), mx.int32, -1000, 1000)
    out = getattr(mx, name)(x, axis=axis)
    assert out.dtype == mx.int32
    np.testing.assert_array_equal(np.array(out), getattr(np, name)(x_np, axis=axis))


def test_int_mean_is_float32(rng):
    x, x_np = random_array(rng, (6, 7), mx.int32, -50, 50)
    out = mx.mean(x, axis=1)
    assert out.dtype == mx.float32
    assert_close(out, np.mean(x_np.astype(np.float64), axis=1))


def test_sum_of_bool_counts(rng):
    b, b_np = random_array(rng, (10, 10, 10), mx.bool_)
    assert mx.sum(b).item() == int(b_np.sum())
    np.testing.assert_array_equal(np.array(mx.sum(b, axis=0)), b_np.sum(axis=0))


@pytest.mark.parametrize("ddof", [0, 1, 2])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)], ids=str)
@pytest.mark.parametrize("dtype", [mx.float32, mx.float64])
def test_var_std(rng, dtype, axis, ddof):
    x, x_np = random_array(rng, (4, 5, 6), dtype, -3, 3)
    wide = x_np.astype(np.float64)
    for keepdims in (False, True):
        var = mx.var(x, axis=axis, keepdims=keepdims, ddof=ddof)
        std = mx.std(x, axis=axis, keepdims=keepdims, ddof=ddof)
        assert_close(var, np.var(wide, axis=axis, keepdims=keepdims, ddof=ddof),
                     dtype, scale=4)
        assert_close(std, np.std(wide, axis=axis, keepdims=keepdims, ddof=ddof),
                     dtype, scale=4)
    assert_close(x.var(axis=axis, ddof=ddof), np.var(wide, axis=axis, ddof=ddof),
                 dtype, scale=4)


def test_var_known_case():
    x = mx.array([[1, 2], [3, 4]])
    assert mx.var(x).item() == np.var(np.array([[1, 2], [3, 4]]))
    assert mx.var(x, keepdims=True).shape == (1, 1)


@pytest.mark.parametrize("axis", AXES, ids=AXES_IDS)
@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any(rng, name, axis):
    b, b_np = random_array(rng, (3, 4, 5), mx.bool_)
    for keepdims in (False, True):
        out = getattr(mx, name)(b, axis=axis, keepdims=keepdims)
        assert out.dtype == mx.bool_
        expected = getattr(np, name)(b_np, axis=axis, keepdims=keepdims)
        np.testing.assert_array_equal(np.array(out), expected)
    f = mx.array([[0.0, 1.0], [2.0, 3.0]])
    assert getattr(mx, name)(f).item() == getattr(np, name)(np.array(f))


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dtype", [mx.float32, mx.int32, mx.float16])
def test_argmax_argmin(rng, name, axis, keepdims, dtype):
    x, x_np = random_array(rng, (3, 4, 5), dtype, -1000, 1000)
    out = getattr(mx, name)(x, axis=axis, keepdims=keepdims)
    assert out.dtype == mx.uint32
    expected = getattr(np, name)(x_np, axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(np.array(out), expected)


def test_argmax_ties_pick_first():
    x_np = np.array([[1, 3, 3, 2], [5, 5, 5, 5], [0, -1, 0, -1]], np.float32)
    x = mx.array(x_np)
    for name in ("argmax", "argmin"):
        got = np.array(getattr(mx, name)(x, axis=1))
        np.testing.assert_array_equal(got, getattr(np, name)(x_np, axis=1))


@pytest.mark.parametrize("axis", AXES, ids=AXES_IDS)
@pytest.mark.parametrize("dtype", [mx.float32, mx.float64])
def test_logsumexp(rng, dtype, axis):
    x, x_np = random_array(rng, (3, 4, 5), dtype, -20, 20)
    for keepdims in (False, True):
        out = mx.logsumexp(x, axis=axis, keepdims=keepdims)
        expected = logsumexp64(x_np.astype(np.float64), axis, keepdims)
        assert_close(out, expected, dtype, scale=4)


def test_logsumexp_large_and_infinite():
    big = mx.array([1000.0, 1000.0])
    assert_close(mx.logsumexp(big), np.array(1000 + np.log(2.0)))
    neg = mx.array([-np.inf, -np.inf, 0.0])
    assert_close(mx.logsumexp(neg), np.array(0.0))


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1), (1, 2)], ids=str)
@pytest.mark.parametrize("dtype", [mx.float32, mx.float64])
def test_softmax(rng, dtype, axis):
    x, x_np = random_array(rng, (4, 5, 6), dtype, -10, 10)
    out = mx.softmax(x, axis=axis)
    assert out.dtype == dtype
    assert_close(out, softmax64(x_np.astype(np.float64), axis), dtype, scale=4)
    assert_close(mx.softmax(x, axis=axis, precise=True),
                 softmax64(x_np.astype(np.float64), axis), dtype, scale=4)


def test_softmax_extreme_inputs():
    x = np.full(4097, -np.inf)
    x[-1] = 0.0
    out = mx.softmax(mx.array(x, dtype=mx.float32))
    assert not np.isnan(np.array(out)).any()
    assert out[-1].item() == 1.0
    big = mx.softmax(mx.array([1000.0, 1000.0, -1000.0]))
    assert_close(big, np.array([0.5, 0.5, 0.0]))


def test_softmax_half_precision(rng):
    x, x_np = random_array(rng, (8, 33), mx.float16, -4, 4)
    out = mx.softmax(x, axis=-1)
    assert out.dtype == mx.float16
    assert_close(out, softmax64(x_np.astype(np.float64), -1), mx.float16)


def test_large_sum_is_exact():
    assert mx.ones(2**25).sum().item() == 2**25
    assert mx.mean(mx.ones(2**25)).item() == 1.0


def test_large_sums_match_numpy(rng):
    x, x_np = random_array(rng, (2048, 2048), mx.float32, 0, 1)
    wide = x_np.astype(np.float64)
    assert_close(mx.sum(x), wide.sum(), rtol=1e-4)
    assert_close(mx.sum(x, axis=-1), wide.sum(axis=-1), rtol=1e-4)
    assert_close(mx.sum(x, axis=0), wide.sum(axis=0), rtol=1e-4)
    assert_close(mx.sum(x.T, axis=1), wide.T.sum(axis=1), rtol=1e-4)
    assert_close(mx.max(x[::-1, ::3], axis=0), x_np[::-1, ::3].max(axis=0))


def test_reductions_of_empty_arrays():
    z = mx.zeros((0, 3))
    np.testing.assert_array_equal(np.array(mx.sum(z, axis=0)), np.zeros(3))
    np.testing.assert_array_equal(np.array(mx.prod(z, axis=0)), np.ones(3))
    assert mx.sum(z, axis=1).shape == (0,)
    assert mx.all(mx.zeros((0,), mx.bool_)).item() is True
    assert mx.any(mx.zeros((0,), mx.bool_)).item() is False


def test_bad_axis_raises():
    x = mx.zeros((2, 3))
    for fn in (mx.sum, mx.max, mx.mean, mx.logsumexp, mx.var):
        with pytest.raises(ValueError):
            fn(x, axis=2)
        with pytest.raises(ValueError):
            fn(x, axis=(0, 0))
    with pytest.raises(ValueError):
        mx.argmax(x, axis=-3)


@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5),
    data=st.data(),
)
def test_sum_max_random_axes(shape, data):
    ndim = len(shape)
    axes = data.draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    keepdims = data.draw(st.booleans())
    x_np = np.random.default_rng(len(shape)).standard_normal(shape).astype(np.float32)
    x = mx.array(x_np)
    axis = tuple(axes) if axes else None
    for name in ("sum", "max"):
        out = getattr(mx, name)(x, axis=axis, keepdims=keepdims)
        expected = getattr(np, name)(x_np.astype(np.float64), axis=axis,
                                     keepdims=keepdims)
        assert_close(out, expected, scale=4)
