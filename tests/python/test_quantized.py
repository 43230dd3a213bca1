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
    """Round to the nearest finite code, ties to the even mantissa; values
    beyond the largest finite code (448) saturate there, as in MLX."""
    if np.isnan(x):
        return 0xFF if np.signbit(x) else 0x7F
    x = float(np.clip(x, -448.0, 448.0))
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


# ---- quantize / dequantize against a numpy reading of the format

E2M1 = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6])


def unpack(words, bits):
    """Codes of a little-endian bitstream of uint32 words, last axis."""
    raw = np.ascontiguousarray(words.astype("<u4")).view(np.uint8)
    stream = np.unpackbits(raw, axis=-1, bitorder="little")
    stream = stream.reshape(*stream.shape[:-1], -1, bits)
    return (stream * (1 << np.arange(bits))).sum(-1)


def np_dequantize(wq, scales, biases, gs, bits, mode, global_scale=None):
    codes = unpack(wq, bits).astype(np.float64)
    per = lambda a: np.repeat(a.astype(np.float64), gs, axis=-1)  # noqa: E731
    if mode == "affine":
        return codes * per(scales) + per(biases)
    values = TABLE[codes.astype(int)] if bits == 8 else E2M1[codes.astype(int)]
    if mode == "nvfp4":
        factor = 1.0 if global_scale is None else global_scale / (448 * 6)
        return values * per(TABLE[scales]) * factor
    return values * per(2.0 ** (scales.astype(np.float64) - 127))


@pytest.mark.parametrize("gs,bits", [(32, 1), (64, 2), (128, 3), (64, 4), (32, 5), (64, 6), (32, 8)])
def test_affine_dequantize_reads_the_format(rng, gs, bits):
    k = 2 * gs
    wq = rng.integers(0, 2**32, (3, k * bits // 32), dtype=np.uint64).astype(np.uint32)
    scales = rng.standard_normal((3, k // gs)).astype(np.float32)
    biases = rng.standard_normal((3, k // gs)).astype(np.float32)
    got = mx.dequantize(mx.array(wq), mx.array(scales), mx.array(biases), gs, bits)
    np.testing.assert_allclose(np.array(got), np_dequantize(wq, scales, biases, gs, bits, "affine"),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("mode,gs,bits", [("mxfp4", 32, 4), ("mxfp8", 32, 8), ("nvfp4", 16, 4)])
def test_fp_dequantize_reads_the_format(rng, mode, gs, bits):
    k = 4 * gs
    wq = rng.integers(0, 2**32, (2, k * bits // 32), dtype=np.uint64).astype(np.uint32)
    if bits == 8:  # avoid the NaN codes
        wq = np.where((wq & 0x7F7F7F7F) == 0x7F7F7F7F, 0, wq).astype(np.uint32)
        codes = wq.view(np.uint8)
        codes[(codes & 0x7F) == 0x7F] = 0
    lo, hi = (110, 135) if mode != "nvfp4" else (0, 0x7E)
    scales = rng.integers(lo, hi, (2, k // gs)).astype(np.uint8)
    got = mx.dequantize(mx.array(wq), mx.array(scales), mode=mode, dtype=mx.float32)
    np.testing.assert_allclose(np.array(got), np_dequantize(wq, scales, None, gs, bits, mode),
                               rtol=1e-6)
    if mode == "nvfp4":
        g = mx.array(3.5)
        got = mx.dequantize(mx.array(wq), mx.array(scales), mode=mode, dtype=mx.float32,
                            global_scale=g)
        np.testing.assert_allclose(np.array(got),
                                   np_dequantize(wq, scales, None, gs, bits, mode, 3.5), rtol=1e-6)


@pytest.mark.parametrize("gs", [32, 64, 128])
@pytest.mark.parametrize("bits", [1, 2, 3, 4, 5, 6, 8])
def test_affine_round_trip_error(rng, gs, bits):
    w = rng.standard_normal((4, 256)).astype(np.float32)
    wq, scales, biases = mx.quantize(mx.array(w), gs, bits)
    assert wq.shape == (4, 256 * bits // 32) and wq.dtype == mx.uint32
    w_hat = np.array(mx.dequantize(wq, scales, biases, gs, bits))
    err = np.abs(w - w_hat).reshape(4, -1, gs)
    assert (err <= np.abs(np.array(scales))[..., None] / 2 + 1e-6).all()
    # dequantize agrees with the numpy reading of what quantize wrote
    np.testing.assert_allclose(
        w_hat, np_dequantize(np.array(wq), np.array(scales), np.array(biases), gs, bits, "affine"),
        rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("mode", ["mxfp4", "mxfp8", "nvfp4"])
def test_fp_round_trip(rng, mode):
    w = rng.standard_normal((8, 64)).astype(np.float32)
    wq, scales = mx.quantize(mx.array(w), mode=mode)
    assert scales.dtype == mx.uint8
    w_hat = np.array(mx.dequantize(wq, scales, mode=mode, dtype=mx.float32))
    # The OCP shared exponent floor(log2(amax)) - emax may clip the largest
    # elements by up to a quarter (fp4) or an eighth (fp8) of amax.
    rel = 0.3 if mode != "mxfp8" else 0.13
    assert np.abs(w - w_hat).max() <= rel * np.abs(w).max()
    z = mx.quantize(mx.zeros((2, 64)), mode=mode)
    assert (np.array(mx.dequantize(*z, mode=mode, dtype=mx.float32)) == 0).all()


def test_quantize_errors():
    w = mx.ones((4, 64))
    for kwargs in ({"group_size": 48}, {"bits": 7}, {"mode": "int4"},
                   {"mode": "mxfp8", "bits": 4}, {"mode": "nvfp4", "group_size": 32}):
        with pytest.raises(ValueError):
            mx.quantize(w, **kwargs)
    with pytest.raises(ValueError):
        mx.quantize(mx.ones((64,)))
    with pytest.raises(ValueError):
        mx.quantize(mx.ones((2, 40)), group_size=32)
    wq, s, b = mx.quantize(w)
    with pytest.raises(ValueError):
        mx.dequantize(wq, s[:, :0], b)
    with pytest.raises(ValueError):
        mx.dequantize(wq, s)  # affine needs biases


@pytest.mark.parametrize("transpose", [True, False])
def test_quantized_matmul_and_gradients(rng, transpose):
    x = mx.array(rng.standard_normal((2, 3, 128)).astype(np.float32))
    w = mx.array(rng.standard_normal((64, 128) if transpose else (128, 64)).astype(np.float32))
    wq, s, b = mx.quantize(w, 64, 4)
    w_hat = mx.dequantize(wq, s, b, 64, 4)
    ref = x @ (w_hat.T if transpose else w_hat)
    got = mx.quantized_matmul(x, wq, s, b, transpose, 64, 4)
    np.testing.assert_allclose(np.array(got), np.array(ref), rtol=1e-4, atol=1e-4)

    def f(s_, b_, x_):
        return (mx.quantized_matmul(x_, wq, s_, b_, transpose, 64, 4) ** 2).sum()

    gs_, gb_, gx_ = mx.grad(f, argnums=(0, 1, 2))(s, b, x)
    # float64 central differences on a few entries
    s64, b64, x64 = (np.array(a).astype(np.float64) for a in (s, b, x))
    codes = unpack(np.array(wq), 4).astype(np.float64)

    def f64(s_, b_, x_):
        wd = codes * np.repeat(s_, 64, -1) + np.repeat(b_, 64, -1)
        return ((x_ @ (wd.T if transpose else wd)) ** 2).sum()

    for arr, grad, idx in ((s64, gs_, (5, 0)), (b64, gb_, (7, 0)), (x64, gx_, (1, 2, 9))):
        up, dn = arr.copy(), arr.copy()
        up[idx] += 1e-4
        dn[idx] -= 1e-4
        args_up = [up if a is arr else a for a in (s64, b64, x64)]
        args_dn = [dn if a is arr else a for a in (s64, b64, x64)]
        fd = (f64(*args_up) - f64(*args_dn)) / 2e-4
        np.testing.assert_allclose(np.array(grad)[idx], fd, rtol=2e-3, atol=2e-3)


def test_gather_qmm_qqmm_and_vmap(rng):
    w = mx.array(rng.standard_normal((3, 32, 64)).astype(np.float32))
    wq, s, b = mx.quantize(w, 32, 8)
    x = mx.array(rng.standard_normal((4, 1, 64)).astype(np.float32))
    idx = mx.array([2, 0, 0, 1])
    got = mx.gather_qmm(x, wq, s, b, rhs_indices=idx, group_size=32, bits=8)
    w_hat = mx.dequantize(wq, s, b, 32, 8)
    ref = mx.gather_mm(x, w_hat.swapaxes(-1, -2), rhs_indices=idx)
    np.testing.assert_allclose(np.array(got), np.array(ref), rtol=1e-4, atol=1e-4)
    x2 = mx.array(rng.standard_normal((5, 64)).astype(np.float32))
    w2 = mx.array(rng.standard_normal((16, 64)).astype(np.float32))
    for mode in ("nvfp4", "mxfp8"):
        xh = mx.dequantize(*mx.quantize(x2, mode=mode), mode=mode, dtype=mx.float32)
        wh = mx.dequantize(*mx.quantize(w2, mode=mode), mode=mode, dtype=mx.float32)
        np.testing.assert_allclose(np.array(mx.qqmm(x2, w2, mode=mode)), np.array(xh @ wh.T),
                                   rtol=1e-4, atol=1e-4)
    # vmap over a leading axis of the packed weights and their scales
    f = lambda q, sc, bi: mx.dequantize(q, sc, bi, 32, 8)  # noqa: E731
    batched = mx.vmap(f)(wq, s, b)
    np.testing.assert_array_equal(np.array(batched), np.array(w_hat))
