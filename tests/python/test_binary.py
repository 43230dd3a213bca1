"""Binary elementwise ops: one table row per op, numpy as the oracle."""

import numpy as np
import pytest

import mlx.core as mx
from oracle import assert_close, random_array

# name, oracle, float ranges (a, b), int ranges (a, b)
ARITH = [
    ("add", np.add, (-5, 5), (-5, 5), (-100, 100), (-100, 100)),
    ("subtract", np.subtract, (-5, 5), (-5, 5), (-100, 100), (-100, 100)),
    ("multiply", np.multiply, (-5, 5), (-5, 5), (-100, 100), (-100, 100)),
    ("divide", np.divide, (-5, 5), (0.5, 5), (-100, 100), (1, 20)),
    ("floor_divide", np.floor_divide, (-10, 10), (0.5, 5), (-100, 100), (1, 9)),
    ("remainder", np.remainder, (-10, 10), (0.5, 5), (-100, 100), (1, 9)),
    ("power", np.power, (0.1, 5), (-3, 3), (0, 5), (0, 5)),
    ("maximum", np.maximum, (-5, 5), (-5, 5), (-100, 100), (-100, 100)),
    ("minimum", np.minimum, (-5, 5), (-5, 5), (-100, 100), (-100, 100)),
    ("arctan2", np.arctan2, (-5, 5), (-5, 5), (-10, 10), (-10, 10)),
    ("logaddexp", np.logaddexp, (-10, 10), (-10, 10), (-10, 10), (-10, 10)),
]
ARITH_IDS = [row[0] for row in ARITH]
# Integer inputs of these produce float32.
FLOAT_RESULT = {"divide", "arctan2", "logaddexp"}
# Discontinuous: the oracle runs in the input dtype; divisors of both signs.
DIVISION = {"floor_divide", "remainder"}

COMPARE = [
    ("equal", np.equal),
    ("not_equal", np.not_equal),
    ("less", np.less),
    ("less_equal", np.less_equal),
    ("greater", np.greater),
    ("greater_equal", np.greater_equal),
]

BROADCAST_SHAPES = [
    ((3, 4), (4,)),
    ((4,), (3, 4)),
    ((2, 1, 4), (3, 1)),
    ((), (3, 2)),
    ((5, 1), (1, 5)),
    ((2, 3, 4), (2, 3, 4)),
    ((1,), (6,)),
    ((0, 3), (1, 3)),
]


def _operands(rng, shape, dtype, name, a_range, b_range):
    a, a_np = random_array(rng, shape, dtype, *a_range)
    b, b_np = random_array(rng, shape, dtype, *b_range)
    if name in DIVISION:
        sign = np.where(rng.random(shape) < 0.5, -1, 1).astype(b_np.dtype)
        b_np = b_np * sign
        b = mx.array(b_np, dtype=dtype)
    return a, a_np, b, b_np


@pytest.mark.parametrize("dtype", [mx.float32, mx.float64])
@pytest.mark.parametrize("name, oracle, fa, fb, ia, ib", ARITH, ids=ARITH_IDS)
def test_arith_float(rng, name, oracle, fa, fb, ia, ib, dtype):
    a, a_np, b, b_np = _operands(rng, (7, 13), dtype, name, fa, fb)
    out = getattr(mx, name)(a, b)
    assert out.dtype == dtype
    if name in DIVISION:
        expected = oracle(a_np, b_np)
    else:
        expected = oracle(a_np.astype(np.float64), b_np.astype(np.float64))
    assert_close(out, expected, dtype)


@pytest.mark.parametrize("name, oracle, fa, fb, ia, ib", ARITH, ids=ARITH_IDS)
def test_arith_int32(rng, name, oracle, fa, fb, ia, ib):
    a, a_np, b, b_np = _operands(rng, (7, 13), mx.int32, name, ia, ib)
    out = getattr(mx, name)(a, b)
    if name in FLOAT_RESULT:
        assert out.dtype == mx.float32
        assert_close(out, oracle(a_np.astype(np.float64), b_np.astype(np.float64)))
    else:
        assert out.dtype == mx.int32
        np.testing.assert_array_equal(np.array(out), oracle(a_np, b_np))


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16])
@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "maximum"])
def test_arith_half_precision(rng, name, dtype):
    a, a_np = random_array(rng, (5, 17), dtype, -4, 4)
    b, b_np = random_array(rng, (5, 17), dtype, 0.5, 4)
    out = getattr(mx, name)(a, b)
    assert out.dtype == dtype
    expected = getattr(np, name)(a_np.astype(np.float64), b_np.astype(np.float64))
    assert_close(out, expected, dtype)


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name, oracle, fa, fb, ia, ib", ARITH, ids=ARITH_IDS)
def test_arith_broadcasting(rng, name, oracle, fa, fb, ia, ib, shapes):
    a, a_np = random_array(rng, shapes[0], mx.float32, *fa)
    b, b_np = random_array(rng, shapes[1], mx.float32, *fb)
    out = getattr(mx, name)(a, b)
    if name in DIVISION:
        expected = oracle(a_np, b_np)
    else:
        expected = oracle(a_np.astype(np.float64), b_np.astype(np.float64))
    assert_close(out, expected)


@pytest.mark.parametrize("dtype", [mx.float32, mx.float64, mx.int32, mx.uint8])
@pytest.mark.parametrize("name, oracle", COMPARE)
def test_comparisons(rng, name, oracle, dtype):
    # Few distinct values, so that ties happen.
    a_np = rng.integers(0, 4, (6, 9))
    b_np = rng.integers(0, 4, (6, 9))
    a, b = mx.array(a_np, dtype=dtype), mx.array(b_np, dtype=dtype)
    out = getattr(mx, name)(a, b)
    assert out.dtype == mx.bool_
    np.testing.assert_array_equal(np.array(out), oracle(a_np, b_np))
    row = mx.array(b_np[0], dtype=dtype)
    np.testing.assert_array_equal(
        np.array(getattr(mx, name)(a, row)), oracle(a_np, b_np[0])
    )


def test_comparisons_with_nan():
    a_np = np.array([np.nan, 1.0, np.inf, -np.inf, 0.0], np.float32)
    b_np = np.array([np.nan, np.nan, np.inf, 0.0, -0.0], np.float32)
    a, b = mx.array(a_np), mx.array(b_np)
    for name, oracle in COMPARE:
        got = np.array(getattr(mx, name)(a, b))
        np.testing.assert_array_equal(got, oracle(a_np, b_np), err_msg=name)


@pytest.mark.parametrize(
    "name, oracle",
    [
        ("logical_and", np.logical_and),
        ("logical_or", np.logical_or),
        ("logical_xor", np.logical_xor),
    ],
)
def test_logical(rng, name, oracle):
    a, a_np = random_array(rng, (5, 8), mx.bool_)
    b, b_np = random_array(rng, (5, 8), mx.bool_)
    out = getattr(mx, name)(a, b)
    assert out.dtype == mx.bool_
    np.testing.assert_array_equal(np.array(out), oracle(a_np, b_np))
    np.testing.assert_array_equal(
        np.array(getattr(mx, name)(a, b[0])), oracle(a_np, b_np[0])
    )


@pytest.mark.parametrize("dtype", [mx.int32, mx.uint8, mx.int64, mx.uint32, mx.bool_])
@pytest.mark.parametrize(
    "name, oracle",
    [
        ("bitwise_and", np.bitwise_and),
        ("bitwise_or", np.bitwise_or),
        ("bitwise_xor", np.bitwise_xor),
    ],
)
def test_bitwise(rng, name, oracle, dtype):
    low, high = (-1000, 1000) if dtype in (mx.int32, mx.int64) else (0, 255)
    a, a_np = random_array(rng, (4, 9), dtype, low, high)
    b, b_np = random_array(rng, (4, 9), dtype, low, high)
    out = getattr(mx, name)(a, b)
    assert out.dtype == dtype
    np.testing.assert_array_equal(np.array(out), oracle(a_np, b_np))


@pytest.mark.parametrize("dtype", [mx.int32, mx.uint8, mx.int64])
def test_shifts(rng, dtype):
    low = -1000 if dtype != mx.uint8 else 0
    high = 1000 if dtype != mx.uint8 else 255
    a, a_np = random_array(rng, (4, 9), dtype, low, high)
    s, s_np = random_array(rng, (4, 9), dtype, 0, 7)
    left, right = mx.left_shift(a, s), mx.right_shift(a, s)
    assert left.dtype == dtype and right.dtype == dtype
    np.testing.assert_array_equal(np.array(right), np.right_shift(a_np, s_np))
    # Left shifts of negative numbers are only compared on non-negative inputs.
    keep = a_np >= 0
    np.testing.assert_array_equal(
        np.array(left)[keep], np.left_shift(a_np, s_np)[keep]
    )


def test_bitwise_rejects_floats():
    x = mx.array([1.0, 2.0])
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "left_shift"):
        with pytest.raises((TypeError, ValueError)):
            getattr(mx, name)(x, x)


def test_logaddexp_complex(rng):
    # log(e^a + e^b) in float64, the imaginary part wrapped into [-pi, pi].
    a = (rng.standard_normal(40) * 3 + 1j * rng.uniform(-6, 6, 40)).astype(np.complex64)
    b = (rng.standard_normal(40) * 3 + 1j * rng.uniform(-6, 6, 40)).astype(np.complex64)
    want = np.log(np.exp(a.astype(np.complex128)) + np.exp(b.astype(np.complex128)))
    got = np.array(mx.logaddexp(mx.array(a), mx.array(b)))
    np.testing.assert_allclose(got.real, want.real, rtol=1e-5, atol=1e-5)
    turn = np.angle(np.exp(1j * (got.imag - want.imag)))  # equal modulo 2 pi
    np.testing.assert_allclose(turn, 0, atol=1e-5)
    assert np.all(np.abs(got.imag) <= np.pi + 1e-6)
    # logcumsumexp accumulates the same way
    acc = np.array(mx.logcumsumexp(mx.array(a[:6])))
    want_acc = np.log(np.cumsum(np.exp(a[:6].astype(np.complex128))))
    np.testing.assert_allclose(acc.real, want_acc.real, rtol=1e-5, atol=1e-5)


def test_python_scalar_operands(rng):
    x, x_np = random_array(rng, (3, 4), mx.float32, 0.5, 2)
    wide = x_np.astype(np.float64)
    assert_close(mx.add(x, 2.5), wide + 2.5)
    assert_close(mx.multiply(3, x), 3 * wide)
    assert_close(mx.subtract(1.0, x), 1.0 - wide)
    assert_close(mx.divide(1, x), 1 / wide)
    assert_close(mx.power(x, 2), wide**2)
    assert_close(mx.maximum(x, 1.0), np.maximum(wide, 1.0))
    s = mx.add(2, 3)
    assert s.dtype == mx.int32 and s.item() == 5


def test_division_by_zero():
    with np.errstate(all="ignore"):
        x = np.array([1.0, -1.0, 0.0], np.float32)
        got = mx.divide(mx.array(x), 0.0)
        assert_close(got, x.astype(np.float64) / 0.0)


@pytest.mark.parametrize("dtype", [mx.float32, mx.float64, mx.int32])
def test_divmod(rng, dtype):
    a_np = rng.integers(-50, 50, (40,)).astype(np.float64) + 0.25
    b_np = rng.integers(1, 9, (40,)) * np.where(rng.random(40) < 0.5, -1, 1)
    if dtype == mx.int32:
        a_np = np.floor(a_np).astype(np.int32)
        b_np = b_np.astype(np.int32)
    a, b = mx.array(a_np, dtype=dtype), mx.array(b_np, dtype=dtype)
    q, r = mx.divmod(a, b)
    q_np, r_np = np.divmod(np.array(a), np.array(b))
    assert q.dtype == dtype and r.dtype == dtype
    assert_close(q, q_np)
    assert_close(r, r_np)


def test_where(rng):
    c, c_np = random_array(rng, (4, 5), mx.bool_)
    x, x_np = random_array(rng, (4, 5), mx.float32)
    y, y_np = random_array(rng, (5,), mx.float32)
    assert_close(mx.where(c, x, y), np.where(c_np, x_np, y_np))
    assert_close(mx.where(c, x, 0.0), np.where(c_np, x_np, 0.0))
    out = mx.where(c, 1.0, 0.0)
    assert out.dtype == mx.float32
    assert_close(out, np.where(c_np, 1.0, 0.0))
    mixed = mx.where(c, mx.ones((4, 5), mx.int32), y)
    assert mixed.dtype == mx.float32
    # A non-boolean condition counts nonzero as true.
    assert_close(mx.where(x > 0, x, -x), np.abs(x_np))
    assert_close(mx.where(mx.array([0, 2, 0]), 1, 2), np.array([2, 1, 2]))


def test_where_broadcasts_all_three(rng):
    c, c_np = random_array(rng, (3, 1, 1), mx.bool_)
    x, x_np = random_array(rng, (1, 4, 1), mx.float32)
    y, y_np = random_array(rng, (1, 1, 5), mx.float32)
    assert_close(mx.where(c, x, y), np.where(c_np, x_np, y_np))


def test_isclose_allclose(rng):
    a_np = rng.standard_normal(50).astype(np.float32)
    noise = rng.standard_normal(50).astype(np.float32) * 1e-5
    b_np = a_np + noise * np.where(rng.random(50) < 0.5, 1, 1000)
    a_np[:3] = [np.nan, np.inf, -np.inf]
    b_np[:3] = [np.nan, np.inf, np.inf]
    a, b = mx.array(a_np), mx.array(b_np)
    for kwargs in ({}, {"rtol": 1e-3}, {"atol": 1e-2}, {"equal_nan": True}):
        got = mx.isclose(a, b, **kwargs)
        assert got.dtype == mx.bool_
        np.testing.assert_array_equal(np.array(got), np.isclose(a_np, b_np, **kwargs))
    assert mx.allclose(a[3:], a[3:] + 1e-7).item() is True
    assert mx.allclose(a[3:], b[3:], atol=1.0).item() is True
    assert mx.allclose(a, a).item() is False
    assert mx.allclose(a, a, equal_nan=True).item() is True
    assert mx.allclose(mx.ones((2, 3)), mx.ones((3,))).item() is True


def test_array_equal():
    a = mx.array([1, 2, 3])
    assert mx.array_equal(a, mx.array([1, 2, 3])).item() is True
    assert mx.array_equal(a, mx.array([1.0, 2.0, 3.0])).item() is True
    assert mx.array_equal(a, mx.array([1, 2, 4])).item() is False
    assert mx.array_equal(a, mx.array([[1, 2, 3]])).item() is False
    n = mx.array([1.0, float("nan")])
    assert mx.array_equal(n, n).item() is False
    assert mx.array_equal(n, n, equal_nan=True).item() is True
