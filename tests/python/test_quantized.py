"""Quantization against float64 oracles: fp8 (e4m3) conversion."""

import numpy as np
import pytest

import mlx.core as mx


def e4m3_table():
    """Value of every fp8 e4m3 code (the OCP 'fn' variant: no infinities,
    S.1111.111 is NaN), from the definition."""
    vals = np.empty(256)
    for code in range(256):
        sign = -1.0 if code & 0x80 else 1.0
        exp, man = (code >> 3) & 0xF, code & 0x7
        if exp == 0xF and man == 0x7:
            vals[code] = np.nan
        elif exp == 0:
            vals[code] = sign * man * 2.0**-9
        else:
            vals[code] = sign * (1 + man / 8) * 2.0 ** (exp - 7)
    return vals


TABLE = e4m3_table()


def nearest_code(x):
    """Round to the nearest finite code, ties to the even mantissa."""
    if np.isnan(x) or abs(x) > 464:
        return 0xFF if np.signbit(x) else 0x7F
    finite = [c for c in range(256) if not np.isnan(TABLE[c])]
    dist = [abs(TABLE[c] - x) for c in finite]
    best = min(dist)
    ties = [c for c, d in zip(finite, dist) if d == best]
    ties = [c for c in ties if np.signbit(TABLE[c]) == np.signbit(x)] or ties
    return min(ties, key=lambda c: (c & 1, c))


def test_decode_every_code():
    got = np.array(mx.from_fp8(mx.array(np.arange(256, dtype=np.uint8)), mx.float32))
    np.testing.assert_array_equal(got, TABLE.astype(np.float32))


def test_encode_round_trips_every_finite_code():
    finite = TABLE[~np.isnan(TABLE)].astype(np.float32)
    back = mx.from_fp8(mx.to_fp8(mx.array(finite)), mx.float32)
    np.testing.assert_array_equal(np.array(back), finite)


def test_encode_rounds_to_nearest_even(rng):
    xs = np.concatenate([
        rng.standard_normal(300) * 10,
        rng.standard_normal(100) * 1e-3,  # subnormals
        (TABLE[1:126:3] + TABLE[2:127:3]) / 2,  # exact ties
        [0.0, -0.0, 447.0, 460.0, 464.0, 465.0, 1e6, -1e6, np.inf, np.nan],
    ]).astype(np.float32)
    got = np.array(mx.to_fp8(mx.array(xs)))
    want = np.array([nearest_code(float(x)) for x in xs], dtype=np.uint8)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16, mx.float32, mx.float64])
def test_fp8_dtypes(dtype):
    x = mx.array([0.5, -3.0, 240.0]).astype(dtype)
    assert mx.to_fp8(x).dtype == mx.uint8
    back = mx.from_fp8(mx.to_fp8(x), dtype)
    assert back.dtype == dtype
    np.testing.assert_array_equal(np.array(back.astype(mx.float32)), [0.5, -3.0, 240.0])
    assert mx.from_fp8(mx.to_fp8(x)).dtype == mx.bfloat16  # the default


def test_fp8_errors_and_vmap():
    with pytest.raises(TypeError):
        mx.to_fp8(mx.array([1, 2]))
    with pytest.raises(TypeError):
        mx.from_fp8(mx.array([1.0]))
    with pytest.raises(TypeError):
        mx.from_fp8(mx.array([1], mx.uint8), mx.int32)
    x = mx.array(np.linspace(-4, 4, 12, dtype=np.float32).reshape(3, 4))
    got = mx.vmap(lambda r: mx.from_fp8(mx.to_fp8(r), mx.float32), in_axes=1, out_axes=1)(x)
    np.testing.assert_array_equal(np.array(got), np.array(mx.from_fp8(mx.to_fp8(x), mx.float32)))
