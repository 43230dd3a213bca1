"""Matrix multiplication against a float64 numpy oracle."""

import numpy as np
import pytest

import mlx.core as mx
from oracle import assert_close, random_array

# Accumulating K products: tolerance grows with K, so compare loosely.
MATMUL_TOL = {
    "float32": (1e-4, 1e-4),
    "float64": (1e-10, 1e-10),
    "float16": (1e-2, 5e-2),
    "bfloat16": (3e-2, 2e-1),
}

SHAPES = [
    ((3, 4), (4, 5)),
    ((1, 1), (1, 1)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 6)),
    ((1, 3, 4), (2, 4, 5)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 3)),
    ((0, 4), (4, 3)),
    ((3, 0), (0, 2)),
]


def _check(a, a_np, b, b_np, name):
    out = mx.matmul(a, b)
    expected = np.matmul(a_np.astype(np.float64), b_np.astype(np.float64))
    rtol, atol = MATMUL_TOL[name]
    assert_close(out, expected, rtol=rtol, atol=atol)
    assert_close(a @ b, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [mx.float32, mx.float64])
def test_matmul_shapes(rng, dtype, shapes):
    a, a_np = random_array(rng, shapes[0], dtype)
    b, b_np = random_array(rng, shapes[1], dtype)
    out = mx.matmul(a, b)
    assert out.dtype == dtype
    assert out.shape == np.matmul(a_np, b_np).shape
    _check(a, a_np, b, b_np, str(dtype).rsplit(".", 1)[-1])


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16])
def test_matmul_half_precision(rng, dtype):
    a, a_np = random_array(rng, (2, 17, 64), dtype)
    b, b_np = random_array(rng, (64, 9), dtype)
    assert mx.matmul(a, b).dtype == dtype
    _check(a, a_np, b, b_np, str(dtype).rsplit(".", 1)[-1])


@pytest.mark.parametrize("m, k, n", [(256, 300, 200), (1, 1024, 1), (513, 7, 129)])
def test_matmul_large(rng, m, k, n):
    a, a_np = random_array(rng, (m, k), mx.float32)
    b, b_np = random_array(rng, (k, n), mx.float32)
    expected = a_np.astype(np.float64) @ b_np.astype(np.float64)
    assert_close(a @ b, expected, rtol=1e-4, atol=1e-3)


def test_matmul_transposed_and_strided_inputs(rng):
    a, a_np = random_array(rng, (40, 30), mx.float32)
    b, b_np = random_array(rng, (50, 40), mx.float32)
    a64, b64 = a_np.astype(np.float64), b_np.astype(np.float64)
    assert_close(a.T @ b.T, a64.T @ b64.T, rtol=1e-4, atol=1e-4)
    assert_close(a[::2] @ b[:30, ::2], a64[::2] @ b64[:30, ::2],
                 rtol=1e-4, atol=1e-4)
    batch = mx.broadcast_to(a, (3, 40, 30))
    assert_close(batch @ a.T, np.broadcast_to(a64, (3, 40, 30)) @ a64.T,
                 rtol=1e-4, atol=1e-4)


def test_matmul_promotes_mixed_floats(rng):
    a, a_np = random_array(rng, (3, 4), mx.float16)
    b, b_np = random_array(rng, (4, 2), mx.float32)
    out = a @ b
    assert out.dtype == mx.float32
    assert_close(out, a_np.astype(np.float64) @ b_np.astype(np.float64),
                 rtol=1e-4, atol=1e-4)


def test_matmul_in_place_operator(rng):
    a, a_np = random_array(rng, (4, 4), mx.float32)
    b = a
    b @= a
    assert_close(b, a_np.astype(np.float64) @ a_np.astype(np.float64),
                 rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [((3, 4), (5, 6)), ((4,), (5,)), ((2, 3, 4), (3, 4, 5)), ((3,), (4, 5))],
)
def test_matmul_mismatched_shapes_raise(shape_a, shape_b):
    with pytest.raises(ValueError, match=r"^\[matmul\]"):
        mx.matmul(mx.zeros(shape_a), mx.zeros(shape_b))


def test_matmul_scalar_raises():
    with pytest.raises(ValueError):
        mx.matmul(mx.array(2.0), mx.zeros((2, 2)))
