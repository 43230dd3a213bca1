"""Rearranging and combining ops against numpy."""

import numpy as np
import pytest
from oracle import assert_close

import mlx.core as mx

A = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def check(got, want):
    np.testing.assert_array_equal(np.array(got), want)


@pytest.mark.parametrize(
    "mx_fn,np_fn",
    [
        (lambda a: mx.repeat(a, 2, axis=1), lambda a: np.repeat(a, 2, axis=1)),
        (lambda a: mx.repeat(a, 3), lambda a: np.repeat(a, 3)),
        (lambda a: mx.tile(a, (2, 1, 3)), lambda a: np.tile(a, (2, 1, 3))),
        (lambda a: mx.tile(a, 2), lambda a: np.tile(a, 2)),
        (lambda a: mx.flip(a, 1), lambda a: np.flip(a, 1)),
        (lambda a: mx.flip(a), lambda a: np.flip(a)),
        (lambda a: mx.roll(a, 2), lambda a: np.roll(a, 2)),
        (lambda a: mx.roll(a, (1, -2), (1, 2)), lambda a: np.roll(a, (1, -2), (1, 2))),
        (lambda a: mx.roll(a, (1, 1), 0), lambda a: np.roll(a, (1, 1), 0)),
        (lambda a: mx.tril(a, 1), lambda a: np.tril(a, 1)),
        (lambda a: mx.triu(a, -1), lambda a: np.triu(a, -1)),
        (lambda a: mx.diagonal(a, 1, 1, 2), lambda a: np.diagonal(a, 1, 1, 2)),
        (lambda a: mx.trace(a, 0, 1, 2), lambda a: np.trace(a, 0, 1, 2)),
        (lambda a: mx.diff(a, 2, -1), lambda a: np.diff(a, 2, -1)),
        (lambda a: mx.atleast_3d(a[0, 0]), lambda a: np.atleast_3d(a[0, 0])),
        (lambda a: mx.count_nonzero(a, axis=1), lambda a: np.count_nonzero(a, axis=1)),
        (lambda a: mx.as_strided(a, (3, 5), (2, 3), 1),
         lambda a: np.lib.stride_tricks.as_strided(a.ravel()[1:], (3, 5), (8, 12))),
    ],
)
def test_matches_numpy(mx_fn, np_fn):
    check(mx_fn(mx.array(A)), np_fn(A))


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_modes(mode):
    widths = ((1, 0), (2, 1), (0, 3))
    check(mx.pad(mx.array(A), widths, mode=mode), np.pad(A, widths, mode=mode))


@pytest.mark.parametrize("mode", ["reflect", "symmetric"])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("widths", [(0, 0), (4, 0), (0, 9), (7, 11), (20, 3)])
def test_pad_mirror_wider_than_axis(mode, n, widths):
    # numpy keeps mirroring when the width exceeds the axis.
    x = np.arange(n, dtype=np.float32) * 1.5 - 2
    check(mx.pad(mx.array(x), [widths], mode=mode), np.pad(x, [widths], mode=mode))


def test_pad_mirror_gradient():
    # Each source element receives the cotangent of every copy of it.
    x = mx.array([1.0, 2.0, 3.0])
    g = mx.grad(lambda v: (mx.pad(v, [(4, 5)], mode="reflect") * mx.arange(12)).sum())(x)
    idx = np.pad(np.arange(3), [(4, 5)], mode="reflect")
    check(g, np.bincount(idx, weights=np.arange(12), minlength=3).astype(np.float32))


def test_pad_errors():
    with pytest.raises(ValueError):
        mx.pad(mx.zeros((0, 2)), 1, mode="reflect")  # nothing to mirror
    with pytest.raises(ValueError):
        mx.pad(mx.zeros((2, 2)), 1, mode="wrap")


@pytest.mark.parametrize("name", ["hanning", "hamming", "blackman", "bartlett"])
@pytest.mark.parametrize("m", [0, 1, 2, 7, 16])
def test_windows(name, m):
    assert_close(getattr(mx, name)(m), getattr(np, name)(m).astype(np.float32),
                 atol=1e-6)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
def test_meshgrid(indexing, sparse):
    xs = [np.arange(3.0), np.arange(4.0), np.arange(2.0)]
    got = mx.meshgrid(*[mx.array(x) for x in xs], sparse=sparse, indexing=indexing)
    want = np.meshgrid(*xs, sparse=sparse, indexing=indexing)
    for g, w in zip(got, want):
        check(g, w)


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(rng, side):
    a = np.sort(rng.integers(0, 10, 20)).astype(np.float32)
    v = rng.integers(-1, 12, (3, 5)).astype(np.float32)
    got = mx.searchsorted(mx.array(a), mx.array(v), side=side)
    assert got.dtype == mx.uint32
    check(got, np.searchsorted(a, v, side=side))


def test_searchsorted_nan_order_and_promotion():
    a = np.array([1.0, 2.0, np.nan], dtype=np.float32)
    v = np.array([np.nan, 1.5, -np.inf], dtype=np.float32)
    for side in ("left", "right"):
        check(mx.searchsorted(mx.array(a), mx.array(v), side=side),
              np.searchsorted(a, v, side=side))
    # int sequence, float values: compared in the promoted type
    check(mx.searchsorted(mx.array([1, 3, 4, 7]), mx.array([4.5])), [3])
    # a strided (reversed) view of a sorted buffer
    base = mx.arange(10, dtype=mx.float32)[::-1]
    check(mx.searchsorted(base[::-1], mx.array([2.5, 9.0])), [3, 9])


def test_searchsorted_vmap_and_errors():
    seq = mx.arange(8, dtype=mx.float32)
    vals = mx.array(np.linspace(-1, 9, 15, dtype=np.float32).reshape(3, 5))
    got = mx.vmap(lambda r: mx.searchsorted(seq, r), in_axes=1, out_axes=1)(vals)
    check(got, np.searchsorted(np.arange(8), np.array(vals)))
    with pytest.raises(ValueError):
        mx.vmap(lambda s: mx.searchsorted(s, mx.array([1.0])))(mx.zeros((3, 4)))
    with pytest.raises(ValueError):
        mx.searchsorted(mx.zeros((2, 2)), mx.array([1.0]))
    with pytest.raises(ValueError):
        mx.searchsorted(seq, mx.array([1.0]), side="middle")


def test_vecdot_contracted_axis_must_match():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    check(mx.vecdot(mx.array(a), mx.array(a)), (a * a).sum(-1))
    with pytest.raises(ValueError):
        mx.vecdot(mx.array(1.0), mx.array([1.0]))
    with pytest.raises(ValueError):
        mx.vecdot(mx.array([1.0, 2.0]), mx.array([1.0]))
    with pytest.raises(ValueError):
        mx.vecdot(mx.array([1.0, 2.0]), mx.array([1.0, 2.0]), axis=1)


def test_dynamic_slice_and_update():
    x = mx.array(A)
    start = mx.array([1, 2])
    # slice_size is the whole output shape; axes not in `axes` start at 0.
    check(mx.slice(x, start, (1, 2), (A.shape[0], 2, 2)), A[:, 1:3, 2:4])
    check(mx.slice(x, mx.array(1), (1,), (1, 2, 3)), A[:1, 1:3, :3])
    with pytest.raises(ValueError):
        mx.slice(x, start, (1, 2), (2, 2))
    with pytest.raises(IndexError):
        mx.eval(mx.slice(x, mx.array([A.shape[1] - 1]), (1,), (1, 2, 1)))
    upd = mx.ones((2, 2, 2))
    out = mx.slice_update(x, upd, start, (1, 2))
    want = A.copy()
    want[:, 1:3, 2:4] = 1
    check(out, want)


def test_as_strided_bounds():
    with pytest.raises(ValueError):
        mx.as_strided(mx.zeros((10,)), (4,), (3,), 1)  # reaches element 10
    check(mx.as_strided(mx.arange(5), (5,), (-1,), 4), np.arange(5)[::-1])


def test_products_match_numpy(rng):
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((4, 5)).astype(np.float32)
    c = rng.standard_normal((3, 5)).astype(np.float32)
    assert_close(mx.addmm(mx.array(c), mx.array(a), mx.array(b), 0.5, 2.0),
                 0.5 * a @ b + 2.0 * c, atol=1e-5)
    assert_close(mx.outer(mx.array(a[0]), mx.array(b[0])), np.outer(a[0], b[0]))
    assert_close(mx.inner(mx.array(a), mx.array(a)), np.inner(a, a), atol=1e-5)
    assert_close(mx.tensordot(mx.array(a), mx.array(b), 1), np.tensordot(a, b, 1),
                 atol=1e-5)
    assert_close(mx.kron(mx.array(a[:2, :2]), mx.array(b[:2, :3])),
                 np.kron(a[:2, :2], b[:2, :3]))
    assert_close(mx.vecdot(mx.array(a), mx.array(a)), np.sum(a * a, -1), atol=1e-5)


def test_gather_mm(rng):
    a = rng.standard_normal((4, 3, 5)).astype(np.float32)
    b = rng.standard_normal((2, 5, 6)).astype(np.float32)
    li, ri = np.array([3, 0, 1]), np.array([1, 1, 0])
    got = mx.gather_mm(mx.array(a), mx.array(b), mx.array(li), mx.array(ri))
    assert_close(got, a[li] @ b[ri], atol=1e-5)


def test_segmented_mm(rng):
    a = rng.standard_normal((3, 8)).astype(np.float32)
    b = rng.standard_normal((8, 2)).astype(np.float32)
    segs = np.array([[0, 3], [3, 8], [2, 2]])
    got = mx.segmented_mm(mx.array(a), mx.array(b), mx.array(segs))
    want = np.stack([a[:, s:e] @ b[s:e] for s, e in segs])
    assert_close(got, want, atol=1e-5)


def test_block_masked_mm(rng):
    a = rng.standard_normal((64, 96)).astype(np.float32)
    b = rng.standard_normal((96, 64)).astype(np.float32)
    lhs = np.array([[True, False, True], [False, True, True]])
    out = np.array([[True, False], [True, True]])
    got = mx.block_masked_mm(mx.array(a), mx.array(b), 32, mx.array(out), mx.array(lhs))
    am = a * np.repeat(np.repeat(lhs, 32, 0), 32, 1)
    want = (am @ b) * np.repeat(np.repeat(out, 32, 0), 32, 1)
    assert_close(got, want, atol=1e-4)


@pytest.mark.parametrize("n", [1, 2, 8, 64])
def test_hadamard_transform(rng, n):
    x = rng.standard_normal((3, n)).astype(np.float32)
    h = np.array([[1.0]])
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    assert_close(mx.hadamard_transform(mx.array(x)), x @ h.T / np.sqrt(n), atol=1e-5)
    with pytest.raises(ValueError):
        mx.hadamard_transform(mx.zeros((3, 6)))
