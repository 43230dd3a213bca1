"""Shared test helpers: numpy is the oracle, tolerances depend on the dtype."""

import numpy as np

import mlx.core as mx

# Every dtype, in the order of the promotion table; bfloat16 has no numpy twin.
ALL_DTYPES = [
    mx.bool_,
    mx.uint8,
    mx.uint16,
    mx.uint32,
    mx.uint64,
    mx.int8,
    mx.int16,
    mx.int32,
    mx.int64,
    mx.float16,
    mx.float32,
    mx.float64,
    mx.bfloat16,
    mx.complex64,
]
INT_DTYPES = [mx.uint8, mx.uint16, mx.uint32, mx.uint64] + [
    mx.int8,
    mx.int16,
    mx.int32,
    mx.int64,
]
FLOAT_DTYPES = [mx.float16, mx.float32, mx.float64, mx.bfloat16]

NP_DTYPE = {
    "bool": np.bool_,
    "uint8": np.uint8,
    "uint16": np.uint16,
    "uint32": np.uint32,
    "uint64": np.uint64,
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "float16": np.float16,
    "float32": np.float32,
    "float64": np.float64,
    "complex64": np.complex64,
}

# (rtol, atol) for results compared against a float64 oracle.
TOLERANCES = {
    "float16": (2e-3, 2e-3),
    "bfloat16": (1.6e-2, 1.6e-2),
    "float32": (2e-5, 2e-6),
    "float64": (1e-12, 1e-12),
    "complex64": (2e-5, 2e-6),
}


def name_of(dtype: mx.Dtype) -> str:
    """'float32' for mx.float32, 'bool' for mx.bool_."""
    return str(dtype).rsplit(".", 1)[-1]


def np_dtype(dtype: mx.Dtype):
    """The numpy dtype holding the same values (float32 for bfloat16)."""
    return NP_DTYPE.get(name_of(dtype), np.float32)


def tolerance(dtype: mx.Dtype) -> tuple[float, float]:
    """(rtol, atol) for `dtype`; integers and bool compare exactly."""
    return TOLERANCES.get(name_of(dtype), (0.0, 0.0))


def is_exact(dtype: mx.Dtype) -> bool:
    return name_of(dtype) not in TOLERANCES


def to_numpy(a) -> np.ndarray:
    """numpy copy of an mx.array (bfloat16 goes through float32)."""
    if isinstance(a, mx.array):
        if a.dtype == mx.bfloat16:
            a = a.astype(mx.float32)
        return np.array(a)
    return np.asarray(a)


def assert_close(actual, expected, dtype=None, rtol=None, atol=None, scale=1.0):
    """Check an mx.array against a numpy oracle.

    Args:
        actual: the mx.array under test.
        expected: numpy array or scalar (any precision).
        dtype: dtype whose tolerance applies; defaults to actual.dtype.
        rtol, atol: override the dtype's tolerance.
        scale: multiplies the default tolerance (ill-conditioned ops).
    """
    assert isinstance(actual, mx.array), type(actual)
    expected = np.asarray(expected)
    assert tuple(actual.shape) == expected.shape, (actual.shape, expected.shape)
    dtype = actual.dtype if dtype is None else dtype
    got = to_numpy(actual)
    if is_exact(dtype) and rtol is None and atol is None:
        np.testing.assert_array_equal(got, expected)
        return
    default_rtol, default_atol = tolerance(dtype)
    rtol = default_rtol * scale if rtol is None else rtol
    atol = default_atol * scale if atol is None else atol
    wide = np.complex128 if np.iscomplexobj(expected) else np.float64
    np.testing.assert_allclose(
        got.astype(wide), expected.astype(wide), rtol=rtol, atol=atol, equal_nan=True
    )


def random_array(rng, shape, dtype, low=-1.0, high=1.0):
    """A random mx.array and the numpy array of exactly the values it holds.

    Floats are uniform in [low, high); integers uniform in [low, high]; bool
    is a fair coin. The numpy twin is float32 for bfloat16.
    """
    name = name_of(dtype)
    if name == "bool":
        data = rng.random(shape) < 0.5
    elif is_exact(dtype):
        data = rng.integers(int(low), int(high), size=shape, endpoint=True)
        data = data.astype(NP_DTYPE[name])
    elif name == "complex64":
        real = rng.uniform(low, high, shape)
        data = (real + 1j * rng.uniform(low, high, shape)).astype(np.complex64)
    else:
        data = rng.uniform(low, high, shape).astype(np.float32)
        if name != "bfloat16":
            data = data.astype(NP_DTYPE[name])
    # numpy float64 would become float32 without an explicit dtype.
    if name == "bfloat16":
        a = mx.array(data, dtype=mx.float32).astype(mx.bfloat16)
    else:
        a = mx.array(data, dtype=dtype)
    return a, to_numpy(a)


def np_attention(q, k, v, scale, mask=None, sinks=None):
    """scaled_dot_product_attention in numpy (float64 for float64 inputs)."""
    rep = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, rep, axis=1), np.repeat(v, rep, axis=1)
    s = q @ np.swapaxes(k, -1, -2) * scale
    tq, tk = q.shape[2], k.shape[2]
    if isinstance(mask, str):
        mask = np.arange(tq)[:, None] + tk - tq >= np.arange(tk)[None]
    if mask is not None and mask.dtype == bool:
        s = np.where(mask, s, -np.finfo(np.float32).max)
    elif mask is not None:
        s = s + mask
    if sinks is not None:
        sk = np.broadcast_to(sinks[None, :, None, None], (*s.shape[:-1], 1))
        s = np.concatenate([sk, s], -1)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    if sinks is not None:
        p = p[..., 1:]
    return p @ v


def outputs_under_isa(code: str, isa: str) -> list:
    """Runs `code` in a fresh interpreter with EMBER_CPU_ISA=isa and returns
    the arrays it np.save-d to stdout, in order: the kernels chosen at
    start-up (AVX-512, AVX2, base) compared in one test run."""
    import io
    import os
    import subprocess
    import sys

    env = dict(os.environ, EMBER_CPU_ISA=isa)
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         check=True)
    buf, out = io.BytesIO(res.stdout), []
    while buf.tell() < len(res.stdout):
        out.append(np.load(buf))
    return out


def roundtrip(tmp_path, fun, *args, shapeless=False, **kwargs):
    """fun exported with mx.export_function under tmp_path and imported back."""
    import mlx.core as mx

    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, fun, *args, shapeless=shapeless, **kwargs)
    return mx.import_function(path)
