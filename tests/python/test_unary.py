"""Unary elementwise ops: one table row per op, numpy (float64) as the oracle."""

import math

import numpy as np
import pytest

import mlx.core as mx
from oracle import assert_close, random_array

erf64 = np.vectorize(math.erf, otypes=[np.float64])


def sigmoid64(x):
    return 1.0 / (1.0 + np.exp(-x))


# name, oracle, low, high, also checked on int32 (output dtype preserved)
FLOAT_OPS = [
    ("abs", np.abs, -5, 5, True),
    ("negative", np.negative, -5, 5, True),
    ("sign", np.sign, -5, 5, True),
    ("square", np.square, -5, 5, True),
    ("floor", np.floor, -5, 5, False),
    ("ceil", np.ceil, -5, 5, False),
    ("round", np.round, -5, 5, False),
    ("trunc", np.trunc, -5, 5, False),
    ("stop_gradient", lambda x: x, -5, 5, True),
    ("sqrt", np.sqrt, 0, 10, False),
    ("rsqrt", lambda x: 1 / np.sqrt(x), 0.1, 10, False),
    ("reciprocal", np.reciprocal, 0.1, 10, False),
    ("exp", np.exp, -10, 10, False),
    ("expm1", np.expm1, -2, 2, False),
    ("log", np.log, 0.01, 10, False),
    ("log1p", np.log1p, -0.9, 10, False),
    ("log2", np.log2, 0.01, 10, False),
    ("log10", np.log10, 0.01, 10, False),
    ("sin", np.sin, -10, 10, False),
    ("cos", np.cos, -10, 10, False),
    ("tan", np.tan, -1.2, 1.2, False),
    ("arcsin", np.arcsin, -0.99, 0.99, False),
    ("arccos", np.arccos, -0.99, 0.99, False),
    ("arctan", np.arctan, -10, 10, False),
    ("sinh", np.sinh, -5, 5, False),
    ("cosh", np.cosh, -5, 5, False),
    ("tanh", np.tanh, -5, 5, False),
    ("arcsinh", np.arcsinh, -10, 10, False),
    ("arccosh", np.arccosh, 1.01, 10, False),
    ("arctanh", np.arctanh, -0.95, 0.95, False),
    ("erf", erf64, -3, 3, False),
    ("sigmoid", sigmoid64, -10, 10, False),
]
FLOAT_IDS = [row[0] for row in FLOAT_OPS]

# Ops whose integer inputs are computed as float32 (integer domain for ints).
INT_TO_FLOAT = [
    ("sqrt", np.sqrt, 0, 100),
    ("exp", np.exp, -5, 5),
    ("log", np.log, 1, 100),
    ("sin", np.sin, -10, 10),
    ("tanh", np.tanh, -3, 3),
    ("sigmoid", sigmoid64, -5, 5),
    ("erf", erf64, -2, 2),
]


@pytest.mark.parametrize("dtype", [mx.float32, mx.float64])
@pytest.mark.parametrize("name, oracle, low, high, int_ok", FLOAT_OPS, ids=FLOAT_IDS)
def test_unary_float(rng, name, oracle, low, high, int_ok, dtype):
    x, x_np = random_array(rng, (7, 13), dtype, low, high)
    out = getattr(mx, name)(x)
    assert out.dtype == dtype
    assert_close(out, oracle(x_np.astype(np.float64)), dtype)


@pytest.mark.parametrize("name, oracle", [row[:2] for row in FLOAT_OPS if row[4]])
def test_unary_int32_same_dtype(rng, name, oracle):
    x, x_np = random_array(rng, (5, 9), mx.int32, -100, 100)
    out = getattr(mx, name)(x)
    assert out.dtype == mx.int32
    np.testing.assert_array_equal(np.array(out), oracle(x_np))


@pytest.mark.parametrize("name, oracle, low, high", INT_TO_FLOAT)
def test_unary_int32_to_float32(rng, name, oracle, low, high):
    x, x_np = random_array(rng, (5, 9), mx.int32, low, high)
    out = getattr(mx, name)(x)
    assert out.dtype == mx.float32
    assert_close(out, oracle(x_np.astype(np.float64)))


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16])
@pytest.mark.parametrize(
    "name, oracle",
    [("exp", np.exp), ("sin", np.sin), ("tanh", np.tanh), ("abs", np.abs)]
    + [("sigmoid", sigmoid64), ("square", np.square), ("negative", np.negative)],
)
def test_unary_half_precision(rng, name, oracle, dtype):
    x, x_np = random_array(rng, (4, 33), dtype, -4, 4)
    out = getattr(mx, name)(x)
    assert out.dtype == dtype
    assert_close(out, oracle(x_np.astype(np.float64)), dtype)


@pytest.mark.parametrize("dtype", [mx.float32, mx.float64])
def test_sqrt_rsqrt_large_array_and_views(rng, dtype):
    # Big enough to be split across threads; also a strided view.
    x, x_np = random_array(rng, (512, 1031), dtype, 0.5, 4.0)
    assert_close(mx.sqrt(x), np.sqrt(x_np.astype(np.float64)), dtype)
    assert_close(mx.exp(x.T), np.exp(x_np.T.astype(np.float64)), dtype)
    assert_close(mx.log(x[::3, ::-2]), np.log(x_np[::3, ::-2].astype(np.float64)))


def test_round_half_to_even_and_decimals(rng):
    x = mx.array([0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, -21.03, 19.98, 0.0])
    np.testing.assert_array_equal(np.array(mx.round(x)), np.round(np.array(x)))
    y, y_np = random_array(rng, (64,), mx.float32, -50, 50)
    for decimals in (1, 2, 3):
        # numpy rounds float32 in float32 too: x * 10**d, rint, divide.
        assert_close(mx.round(y, decimals), np.round(y_np, decimals))
        assert_close(y.round(decimals), np.round(y_np, decimals))
    ints = mx.array([15, 122, -37], mx.int32)
    assert mx.round(ints, -1).dtype == mx.int32
    np.testing.assert_array_equal(np.array(mx.round(ints, -1)), [20, 120, -40])


def test_erfinv_inverts_erf(rng):
    for dtype, tol in ((mx.float32, 1e-4), (mx.float64, 1e-7)):
        x, x_np = random_array(rng, (200,), dtype, -0.99, 0.99)
        y = mx.erfinv(x)
        assert y.dtype == dtype
        assert_close(mx.erf(y), x_np, rtol=tol, atol=tol)
        # Check erfinv alone through the float64 oracle of erf.
        back = erf64(np.array(y).astype(np.float64))
        np.testing.assert_allclose(back, x_np, rtol=tol, atol=tol)
    assert mx.erfinv(mx.array(0.0)).item() == 0.0
    assert math.isinf(mx.erfinv(mx.array(1.0)).item())


SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -2.5, 1e30]


@pytest.mark.parametrize("dtype", [mx.float16, mx.float32, mx.float64])
@pytest.mark.parametrize(
    "name, oracle",
    [
        ("isnan", np.isnan),
        ("isinf", np.isinf),
        ("isfinite", np.isfinite),
        ("isposinf", np.isposinf),
        ("isneginf", np.isneginf),
    ],
)
def test_float_predicates(name, oracle, dtype):
    data = np.array(SPECIALS, dtype=np.float64)
    x = mx.array(data, dtype=dtype)
    out = getattr(mx, name)(x)
    assert out.dtype == mx.bool_
    np.testing.assert_array_equal(np.array(out), oracle(np.array(x)))


def test_signed_infinity_predicates_on_complex():
    # A complex value is +-inf only when its imaginary part is zero.
    data = np.array([np.inf, -np.inf, complex(np.inf, 1), 0, complex(1, np.inf)],
                    dtype=np.complex64)
    x = mx.array(data)
    np.testing.assert_array_equal(np.array(mx.isposinf(x)), data == np.inf)
    np.testing.assert_array_equal(np.array(mx.isneginf(x)), data == -np.inf)


def test_predicates_on_integers():
    x = mx.array([0, -5, 7])
    for name in ("isnan", "isinf", "isposinf", "isneginf"):
        assert getattr(mx, name)(x).tolist() == [False] * 3
    assert mx.isfinite(x).tolist() == [True] * 3


def test_special_values_propagate():
    with np.errstate(all="ignore"):
        data = np.array([np.nan, np.inf, -np.inf, 0.0, -1.0], np.float32)
        x = mx.array(data)
        for name in ("exp", "log", "sqrt", "sin", "tanh", "abs", "floor"):
            expected = getattr(np, name)(data.astype(np.float64))
            assert_close(getattr(mx, name)(x), expected)


def test_logical_not(rng):
    b, b_np = random_array(rng, (6, 7), mx.bool_)
    out = mx.logical_not(b)
    assert out.dtype == mx.bool_
    np.testing.assert_array_equal(np.array(out), np.logical_not(b_np))
    f = mx.array([0.0, 1.5, -2.0, 0.0])
    np.testing.assert_array_equal(np.array(mx.logical_not(f)), [1, 0, 0, 1])


@pytest.mark.parametrize("dtype", [mx.int8, mx.int32, mx.uint8, mx.uint32, mx.int64])
def test_bitwise_invert(rng, dtype):
    low, high = (0, 200) if "uint" in str(dtype) else (-100, 100)
    x, x_np = random_array(rng, (3, 11), dtype, low, high)
    out = mx.bitwise_invert(x)
    assert out.dtype == dtype
    np.testing.assert_array_equal(np.array(out), np.invert(x_np))
    np.testing.assert_array_equal(np.array(~x), np.invert(x_np))


def test_bitwise_invert_rejects_floats():
    with pytest.raises((TypeError, ValueError)):
        mx.bitwise_invert(mx.array([1.0, 2.0]))


@pytest.mark.parametrize("name", ["floor", "ceil", "erf", "expm1"])
def test_real_only_ops_reject_complex(name):
    with pytest.raises((TypeError, ValueError)):
        getattr(mx, name)(mx.array([1 + 2j]))


def test_complex_inputs(rng):
    x, x_np = random_array(rng, (17,), mx.complex64, -2, 2)
    wide = x_np.astype(np.complex128)
    for name in ("abs", "negative", "square", "exp", "sin", "sqrt", "log"):
        out = getattr(mx, name)(x)
        assert_close(out, getattr(np, name)(wide), mx.complex64, scale=5)
    assert mx.abs(x).dtype == mx.float32


def test_method_forms(rng):
    x, x_np = random_array(rng, (4, 5), mx.float32, 0.5, 2)
    wide = x_np.astype(np.float64)
    for name in ("abs", "exp", "log", "log1p", "log2", "log10", "sin", "cos"):
        assert_close(getattr(x, name)(), getattr(np, name)(wide))
    assert_close(x.sqrt(), np.sqrt(wide))
    assert_close(x.rsqrt(), 1 / np.sqrt(wide))
    assert_close(x.square(), np.square(wide))
    assert_close(x.reciprocal(), 1 / wide)
    assert_close(abs(-x), wide)
    assert_close(-x, -wide)
