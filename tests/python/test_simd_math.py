"""The vectorizable float32 exp, expm1, log, tanh and sigmoid
(csrc/backend/cpu/simd_math.h), and their generated-code versions in fused
compiled kernels (csrc/backend/cpu/compiled_jit.cpp), against float64
numpy: within 3 ulp of the correctly rounded value over the whole range,
and exact on special values."""

import numpy as np
import pytest

import mlx.core as mx


def sigmoid64(x):
    return 1 / (1 + np.exp(-x))


CASES = [
    ("exp", mx.exp, np.exp, (-110, 90)),
    ("expm1", mx.expm1, np.expm1, (-30, 90)),
    ("log", mx.log, np.log, (0, 1e6)),
    ("tanh", mx.tanh, np.tanh, (-20, 20)),
    ("sigmoid", mx.sigmoid, sigmoid64, (-120, 120)),
]


def fused(fn):
    # Two ops, so compile fuses them into one kernel; * 1 keeps every value.
    return mx.compile(lambda x: fn(x) * 1.0)


@pytest.mark.parametrize("mode", ["eager", "fused"])
@pytest.mark.parametrize("name,fn,ref,bounds", CASES, ids=[c[0] for c in CASES])
def test_ulp_error_and_specials(name, fn, ref, bounds, mode):
    if mode == "fused":
        fn = fused(fn)
    lo, hi = bounds
    tiny = np.logspace(-44, 2, 100_000)
    x = np.concatenate([np.linspace(lo, hi, 1_000_001), tiny, -tiny])
    if name == "log":
        x = np.abs(x)
    x = np.concatenate([x, [0.0, -0.0, np.inf, -np.inf, np.nan]]).astype(np.float32)
    got = np.asarray(fn(mx.array(x))).astype(np.float64)
    with np.errstate(all="ignore"):
        want = ref(x.astype(np.float64))
        want32 = want.astype(np.float32)
    finite = np.isfinite(want32)
    ulp = np.spacing(np.abs(want32[finite])).astype(np.float64)
    err = np.abs(got[finite] - want[finite]) / ulp
    assert err.max() <= 3.0, f"{name}: {err.max():.2f} ulp at {x[finite][err.argmax()]}"
    special = ~finite
    same = (np.isnan(got[special]) & np.isnan(want32[special])) | (got[special] == want32[special])
    assert same.all(), f"{name}: special values {x[special][~same]}"
