"""mx.linalg against numpy.linalg (float64 oracle)."""

import numpy as np
import pytest
from oracle import assert_close

import mlx.core as mx


def spd(rng, n, batch=()):
    a = rng.standard_normal((*batch, n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def f32(x):
    return mx.array(np.asarray(x, dtype=np.float32))


@pytest.mark.parametrize("batch", [(), (3,), (2, 2)])
def test_inverse_solve_det(rng, batch):
    a = rng.standard_normal((*batch, 4, 4)) + 4 * np.eye(4)
    b = rng.standard_normal((*batch, 4, 2))
    assert_close(mx.linalg.inv(f32(a)), np.linalg.inv(a).astype(np.float32), atol=1e-4)
    assert_close(mx.linalg.solve(f32(a), f32(b)),
                 np.linalg.solve(a, b).astype(np.float32), atol=1e-4)
    assert_close(mx.linalg.det(f32(a)), np.linalg.det(a).astype(np.float32), rtol=1e-3)
    sign, logabs = mx.linalg.slogdet(f32(a))
    want_sign, want_log = np.linalg.slogdet(a)
    assert_close(sign, want_sign.astype(np.float32))
    assert_close(logabs, want_log.astype(np.float32), atol=1e-4)


def test_factorizations(rng):
    a = rng.standard_normal((5, 3))
    q, r = mx.linalg.qr(f32(a))
    assert_close(q @ r, a.astype(np.float32), atol=1e-5)
    assert_close(q.T @ q, np.eye(3, dtype=np.float32), atol=1e-5)
    assert_close(r, np.triu(np.array(r)))
    u, s, vt = mx.linalg.svd(f32(a))
    assert_close(s, np.linalg.svd(a, compute_uv=False).astype(np.float32), atol=1e-5)
    assert_close((u[:, :3] * s) @ vt, a.astype(np.float32), atol=1e-5)
    p, l, u2 = mx.linalg.lu(f32(a[:3]))
    assert_close((l @ u2)[p], a[:3].astype(np.float32), atol=1e-5)
    assert_close(l[p] @ u2, a[:3].astype(np.float32), atol=1e-5)
    m = spd(rng, 4)
    low = mx.linalg.cholesky(f32(m))
    assert_close(low, np.linalg.cholesky(m).astype(np.float32), atol=1e-4)
    assert_close(mx.linalg.cholesky(f32(m), upper=True), np.array(low).T, atol=1e-4)
    assert_close(mx.linalg.cholesky_inv(low), np.linalg.inv(m).astype(np.float32),
                 atol=1e-4)
    w, v = mx.linalg.eigh(f32(m))
    assert_close(w, np.linalg.eigvalsh(m).astype(np.float32), atol=1e-4)
    assert_close((v * w) @ v.T, m.astype(np.float32), atol=1e-3)
    assert_close(mx.linalg.eigvalsh(f32(m), UPLO="U"),
                 np.linalg.eigvalsh(m, UPLO="U").astype(np.float32), atol=1e-4)


def test_triangular(rng):
    t = np.tril(rng.standard_normal((4, 4))) + 3 * np.eye(4)
    b = rng.standard_normal((4, 2))
    assert_close(mx.linalg.tri_inv(f32(t)), np.linalg.inv(t).astype(np.float32),
                 atol=1e-5)
    assert_close(mx.linalg.solve_triangular(f32(t), f32(b)),
                 np.linalg.solve(t, b).astype(np.float32), atol=1e-5)
    assert_close(mx.linalg.solve_triangular(f32(t.T), f32(b), upper=True),
                 np.linalg.solve(t.T, b).astype(np.float32), atol=1e-5)


def test_pinv_norm_cross(rng):
    a = rng.standard_normal((4, 6))
    assert_close(mx.linalg.pinv(f32(a)), np.linalg.pinv(a).astype(np.float32), atol=1e-4)
    for ord_ in [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]:
        assert_close(mx.linalg.norm(f32(a), ord_),
                     np.float32(np.linalg.norm(a, ord_)), rtol=1e-4, atol=1e-4)
    v = rng.standard_normal((3, 5))
    for ord_ in [None, 0, 1, 2, 3.5, np.inf, -np.inf]:
        assert_close(mx.linalg.norm(f32(v), ord_, axis=1),
                     np.linalg.norm(v, ord_, axis=1).astype(np.float32), rtol=1e-4)
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    assert_close(mx.linalg.cross(f32(x), f32(y)), np.cross(x, y).astype(np.float32),
                 atol=1e-5)


def test_errors():
    with pytest.raises(ValueError):
        mx.linalg.inv(mx.zeros((3, 4)))  # not square
    with pytest.raises(ValueError):
        mx.linalg.inv(mx.zeros((3,)))  # not a matrix
    # Numerical failures are found at eval: RuntimeError.
    with pytest.raises(RuntimeError):
        mx.eval(mx.linalg.inv(mx.zeros((3, 3))))  # singular
    with pytest.raises(RuntimeError):
        mx.eval(mx.linalg.cholesky(-mx.eye(3)))  # not positive definite
    with pytest.raises(ValueError):
        mx.linalg.qr(mx.zeros((3, 3), dtype=mx.int32))


def test_vmap_and_grad(rng):
    a = rng.standard_normal((3, 4, 4)) + 4 * np.eye(4)
    batched = mx.vmap(mx.linalg.inv)(f32(a))
    assert_close(batched, np.linalg.inv(a).astype(np.float32), atol=1e-4)
    x = mx.array(a[0])
    g = mx.grad(lambda m: mx.linalg.inv(m).sum())(x)
    ai = np.linalg.inv(a[0])
    assert_close(g, -(ai.T @ np.ones((4, 4)) @ ai.T).astype(np.float32), atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64])
def test_eig_general_matrices(rng, dtype):
    a = rng.standard_normal((3, 5, 5))
    if dtype == np.complex64:
        a = a + 1j * rng.standard_normal((3, 5, 5))
    a = a.astype(dtype)
    vals, vecs = mx.linalg.eig(mx.array(a))
    assert vals.dtype == mx.complex64 and vecs.dtype == mx.complex64
    v, w = np.array(vecs).astype(np.complex128), np.array(vals).astype(np.complex128)
    # A v = v diag(w), and the values agree with numpy's as a multiset
    np.testing.assert_allclose(a @ v, v * w[..., None, :], atol=1e-4)
    want = np.linalg.eigvals(a.astype(np.complex128))
    # each of ours is one of numpy's (conjugate pairs tie on the real part)
    for got_b, want_b in zip(w, want):
        assert np.abs(got_b[:, None] - want_b[None, :]).min(axis=1).max() < 1e-4
    np.testing.assert_allclose(np.array(mx.linalg.eigvals(mx.array(a))), np.array(vals),
                               atol=1e-5)


def test_eigh_hermitian(rng):
    b = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
    h = (b + b.conj().T).astype(np.complex64)
    vals, vecs = mx.linalg.eigh(mx.array(h))
    assert vals.dtype == mx.float32 and vecs.dtype == mx.complex64
    np.testing.assert_allclose(np.array(vals), np.linalg.eigvalsh(h.astype(np.complex128)),
                               atol=1e-4)
    v = np.array(vecs)
    np.testing.assert_allclose(h @ v, v * np.array(vals)[None, :], atol=1e-4)


def test_zero_size_determinants_and_pinv():
    assert mx.linalg.det(mx.zeros((0, 0))).item() == 1.0
    sign, logabs = mx.linalg.slogdet(mx.zeros((3, 0, 0)))
    assert sign.tolist() == [1, 1, 1] and logabs.tolist() == [0, 0, 0]
    for shape in [(0, 3), (3, 0), (2, 0, 0)]:
        assert mx.linalg.pinv(mx.zeros(shape)).shape == np.linalg.pinv(np.zeros(shape)).shape
