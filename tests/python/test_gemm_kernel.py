"""Float32 products through Ember's own kernel (backend/cpu/gemm_f32.cpp,
split over threads in gemm.cpp) against float64 numpy: shapes split by rows
and by columns, sliced and transposed operands, special values, and the
same results as OpenBLAS (EMBER_CPU_ISA=avx2)."""

import numpy as np
import pytest

import mlx.core as mx
from oracle import outputs_under_isa


def check(a, b, got):
    want = a.astype(np.float64) @ b.astype(np.float64)
    scale = np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64) + 1
    assert np.all(np.abs(np.array(got) - want) <= 1e-5 * scale)


@pytest.mark.parametrize("shape", [(256, 256, 2048), (1000, 30, 300), (30, 1000, 300),
                                   (257, 513, 129), (14 * 37 + 5, 64, 1100)])
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_threaded_shapes(rng, shape, ta, tb):
    m, n, k = shape
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    am, bm = mx.array(a), mx.array(b)
    got = (am.T if ta else am) @ (bm.T if tb else bm)
    check(a.T if ta else a, b.T if tb else b, got)


def test_sliced_operands(rng):
    a = rng.standard_normal((300, 520)).astype(np.float32)
    b = rng.standard_normal((530, 410)).astype(np.float32)
    got = mx.array(a)[5:290, 3:500] @ mx.array(b)[10:507, 7:400]
    check(a[5:290, 3:500], b[10:507, 7:400], got)


def test_special_values(rng):
    a = rng.standard_normal((40, 50)).astype(np.float32)
    b = rng.standard_normal((50, 60)).astype(np.float32)
    a[3, 7] = np.inf
    a[5, 9] = np.nan
    b[11, 13] = -np.inf
    got = np.array(mx.array(a) @ mx.array(b))
    with np.errstate(invalid="ignore"):
        want = a.astype(np.float64) @ b.astype(np.float64)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-4, atol=1e-4)


def test_same_as_openblas():
    code = (
        "import sys, numpy as np, mlx.core as mx\n"
        "r = np.random.default_rng(5)\n"
        "a = mx.array(r.standard_normal((333, 777)).astype(np.float32))\n"
        "b = mx.array(r.standard_normal((777, 222)).astype(np.float32))\n"
        "np.save(sys.stdout.buffer, np.array(a @ b))\n"
    )
    (blas,), (own,) = outputs_under_isa(code, "avx2"), outputs_under_isa(code, "avx512")
    np.testing.assert_allclose(blas, own, rtol=1e-4, atol=1e-4)
