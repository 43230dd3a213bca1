"""Scans (cumsum ... logcumsumexp) and sorting ops against numpy."""

import numpy as np
import pytest

import mlx.core as mx
from oracle import assert_close, name_of, random_array

# name, numpy ufunc whose accumulate is the inclusive forward scan
SCANS = [
    ("cumsum", np.add),
    ("cumprod", np.multiply),
    ("cummax", np.maximum),
    ("cummin", np.minimum),
    ("logcumsumexp", np.logaddexp),
]
AXES = [None, 0, 1, 2, -1, -2]
FLAGS = [(False, True), (True, True), (False, False), (True, False)]
# The value an exclusive scan starts from.
IDENTITY = {
    "cumsum": 0,
    "cumprod": 1,
    "cummax": -np.inf,
    "cummin": np.inf,
    "logcumsumexp": -np.inf,
}


def identity(name, dtype):
    """IDENTITY, with the integer limits standing in for infinities."""
    if name in ("cummax", "cummin") and np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return info.min if name == "cummax" else info.max
    return IDENTITY[name]


def scan_oracle(x, name, ufunc, axis, reverse, inclusive):
    """The scan in numpy: flip for reverse, shift in the identity if exclusive."""
    if axis is None:
        x, axis = x.reshape(-1), 0
    if reverse:
        x = np.flip(x, axis)
    out = ufunc.accumulate(x, axis=axis)
    if not inclusive and x.shape[axis] > 0:
        first = np.full_like(np.take(out, [0], axis=axis), identity(name, x.dtype))
        rest = np.take(out, np.arange(x.shape[axis] - 1), axis=axis)
        out = np.concatenate([first, rest], axis=axis)
    return np.flip(out, axis) if reverse else out


def scan_input(rng, name, shape, dtype=mx.float32):
    """cumprod stays away from 0 and overflow; logcumsumexp gets a wide range."""
    if not mx.issubdtype(dtype, mx.floating):
        return random_array(rng, shape, dtype, -3, 3)
    low, high = {"cumprod": (0.5, 1.5), "logcumsumexp": (-5.0, 5.0)}.get(
        name, (-2.0, 2.0)
    )
    return random_array(rng, shape, dtype, low, high)


@pytest.mark.parametrize("reverse, inclusive", FLAGS)
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("name, ufunc", SCANS, ids=[n for n, _ in SCANS])
def test_scan_matches_numpy(rng, name, ufunc, axis, reverse, inclusive):
    a, x = scan_input(rng, name, (3, 4, 5))
    fn = getattr(mx, name)
    got = fn(a, axis=axis, reverse=reverse, inclusive=inclusive)
    want = scan_oracle(x.astype(np.float64), name, ufunc, axis, reverse, inclusive)
    assert got.dtype == mx.float32
    assert_close(got, want, scale=4)


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16, mx.float64, mx.int32])
@pytest.mark.parametrize("name, ufunc", SCANS[:4], ids=[n for n, _ in SCANS[:4]])
def test_scan_dtypes(rng, name, ufunc, dtype):
    a, x = scan_input(rng, name, (4, 6), dtype)
    for reverse, inclusive in FLAGS:
        got = getattr(mx, name)(a, axis=1, reverse=reverse, inclusive=inclusive)
        wide = x.astype(np.float64) if dtype != mx.int32 else x
        want = scan_oracle(wide, name, ufunc, 1, reverse, inclusive)
        assert got.dtype == dtype
        assert_close(got, want, dtype=dtype, scale=8)


@pytest.mark.parametrize(
    "dtype, result",
    [
        (mx.bool_, mx.int32),
        (mx.int8, mx.int8),
        (mx.int16, mx.int16),
        (mx.uint8, mx.uint8),
        (mx.uint16, mx.uint16),
        (mx.int64, mx.int64),
        (mx.uint64, mx.uint64),
    ],
    ids=name_of,
)
def test_cumsum_keeps_integer_dtypes(rng, dtype, result):
    # MLX's rule: running sums keep the input's dtype (bool counts in int32),
    # so 60 values up to 100 wrap around in 8 bits, as numpy's do in that dtype.
    a, x = random_array(rng, (60,), dtype, 0, 100)
    got = mx.cumsum(a)
    assert got.dtype == result
    want = np.cumsum(x, dtype=np.dtype(str(result).split(".")[-1]))
    np.testing.assert_array_equal(np.array(got), want)


def test_cumprod_keeps_dtypes():
    x = np.array([1, 2, 3, 100], np.int8)
    got = mx.cumprod(mx.array(x))
    assert got.dtype == mx.int8
    np.testing.assert_array_equal(np.array(got), np.cumprod(x, dtype=np.int8))
    flags = mx.cumprod(mx.array([True, False, True]))
    assert flags.dtype == mx.bool_ and flags.tolist() == [True, False, False]


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("dtype", [mx.int8, mx.uint8, mx.int64])
def test_cummax_cummin_keep_integer_dtype(rng, name, dtype):
    a, x = random_array(rng, (3, 7), dtype, 0, 100)
    ufunc = np.maximum if name == "cummax" else np.minimum
    for reverse, inclusive in FLAGS:
        got = getattr(mx, name)(a, axis=-1, reverse=reverse, inclusive=inclusive)
        assert got.dtype == dtype
        assert_close(got, scan_oracle(x, name, ufunc, -1, reverse, inclusive))


def test_cumsum_dtype_argument(rng):
    a, x = random_array(rng, (5, 4), mx.int32, -50, 50)
    got = mx.cumsum(a, axis=0, dtype=mx.float32)
    assert got.dtype == mx.float32
    assert_close(got, np.cumsum(x, axis=0).astype(np.float64))
    b, y = random_array(rng, (6,), mx.float32)
    wide = mx.cumsum(b, dtype=mx.float64)
    assert wide.dtype == mx.float64
    assert_close(wide, np.cumsum(y.astype(np.float64)))


def test_logcumsumexp_is_stable():
    a = mx.array([1000.0, 1000.0, -np.inf, -1000.0], dtype=mx.float32)
    want = [1000.0, 1000.0 + np.log(2.0), 1000.0 + np.log(2.0), 1000.0 + np.log(2.0)]
    assert_close(mx.logcumsumexp(a), np.array(want))
    b = mx.array([-np.inf, -np.inf, 0.0], dtype=mx.float32)
    assert_close(mx.logcumsumexp(b), np.array([-np.inf, -np.inf, 0.0]))


@pytest.mark.parametrize("name, ufunc", SCANS, ids=[n for n, _ in SCANS])
def test_scan_methods(rng, name, ufunc):
    a, x = scan_input(rng, name, (3, 4))
    method = getattr(a, name)
    x = x.astype(np.float64)
    assert_close(method(), scan_oracle(x, name, ufunc, None, False, True), scale=4)
    got = method(1, reverse=True, inclusive=False)
    assert_close(got, scan_oracle(x, name, ufunc, 1, True, False), scale=4)
    assert_close(method(axis=-2), scan_oracle(x, name, ufunc, -2, False, True))


SORT_DTYPES = [
    mx.bool_,
    mx.uint8,
    mx.int8,
    mx.int32,
    mx.int64,
    mx.uint64,
    mx.float16,
    mx.bfloat16,
    mx.float32,
    mx.float64,
]


@pytest.mark.parametrize("axis", [0, 1, 2, -1, None])
@pytest.mark.parametrize("dtype", SORT_DTYPES, ids=name_of)
def test_sort_and_stable_argsort(rng, dtype, axis):
    # Few distinct values, so ties are everywhere and stability is tested.
    a, x = random_array(rng, (4, 5, 6), dtype, 0, 3)
    if mx.issubdtype(dtype, mx.floating):
        a = mx.round(a * 3)
        x = np.array(a.astype(mx.float32))
    assert_close(mx.sort(a, axis=axis), np.sort(x, axis=axis))
    got = mx.argsort(a, axis=axis)
    assert got.dtype == mx.uint32
    assert_close(got, np.argsort(x, axis=axis, kind="stable").astype(np.uint32))


def test_sort_default_axis_is_last(rng):
    a, x = random_array(rng, (3, 8), mx.float32)
    assert_close(mx.sort(a), np.sort(x))
    assert_close(mx.argsort(a), np.argsort(x, kind="stable").astype(np.uint32))


@pytest.mark.parametrize("dtype", [mx.float16, mx.float32, mx.float64])
def test_nans_sort_last(rng, dtype):
    a, x = random_array(rng, (5, 7), dtype)
    x[rng.random(x.shape) < 0.3] = np.nan
    a = mx.array(x, dtype=dtype)
    for axis in (0, 1, None):
        assert_close(mx.sort(a, axis=axis), np.sort(x, axis=axis))
        want = np.argsort(x, axis=axis, kind="stable").astype(np.uint32)
        assert_close(mx.argsort(a, axis=axis), want)


def test_sort_infinities():
    x = np.array([np.inf, -0.0, 1.0, -np.inf, 0.0, np.nan, -1.0], dtype=np.float32)
    got = np.array(mx.sort(mx.array(x)))
    np.testing.assert_array_equal(got, np.sort(x))


def check_partition(values, x, kth, axis):
    """values is a rearrangement of x with the kth element in sorted place."""
    if axis is None:
        x, axis = x.reshape(-1), 0
    values = np.moveaxis(values, axis, -1)
    x = np.moveaxis(x, axis, -1)
    np.testing.assert_array_equal(np.sort(values, -1), np.sort(x, -1))
    k = kth % x.shape[-1]
    pivot = values[..., k : k + 1]
    np.testing.assert_array_equal(pivot[..., 0], np.sort(x, -1)[..., k])
    assert np.all(values[..., :k] <= pivot)
    assert np.all(values[..., k + 1 :] >= pivot)


@pytest.mark.parametrize("kth", [0, 2, 4, -1])
@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_partition_property(rng, axis, kth):
    a, x = random_array(rng, (5, 6, 7), mx.int32, -10, 10)
    out = mx.partition(a, kth, axis=axis)
    check_partition(np.array(out), x, kth, axis)
    idx = mx.argpartition(a, kth, axis=axis)
    flat = x.reshape(-1) if axis is None else x
    picked = np.take_along_axis(flat, np.array(idx).astype(np.int64), axis=axis or 0)
    check_partition(picked, x, kth, axis)
    # The indices are a permutation along the axis.
    sorted_idx = np.sort(np.array(idx), axis=axis or 0)
    if axis is None:
        np.testing.assert_array_equal(sorted_idx, np.arange(x.size))
    else:
        shape = [1] * x.ndim
        shape[axis] = x.shape[axis]
        arange = np.arange(x.shape[axis]).reshape(shape)
        np.testing.assert_array_equal(sorted_idx, np.broadcast_to(arange, x.shape))


@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_topk_gives_the_k_largest(rng, axis, k):
    a, x = random_array(rng, (5, 6, 7), mx.float32)
    got = np.array(mx.topk(a, k, axis=axis))
    flat = x.reshape(-1) if axis is None else x
    ax = 0 if axis is None else axis
    want = np.take(np.sort(flat, axis=ax), np.arange(-k, 0), axis=ax)
    np.testing.assert_array_equal(np.sort(got, axis=ax), want)


def test_topk_default_axis_and_ints(rng):
    a, x = random_array(rng, (4, 9), mx.int32, -3, 3)
    got = mx.topk(a, 4)
    assert got.dtype == mx.int32 and got.shape == (4, 4)
    np.testing.assert_array_equal(np.sort(np.array(got)), np.sort(x)[:, -4:])


LONG = [((10000,), 0), ((2000, 3), 0), ((3, 2500), 1)]
EDGE = [((0,), 0), ((3, 0), 1), ((0, 4), 1), ((1, 4), 0)]


@pytest.mark.parametrize("shape, axis", LONG)
def test_long_scans(rng, shape, axis):
    x = rng.uniform(-1.0, 1.0, shape)
    for name, ufunc in SCANS:
        y = np.abs(x) * 1e-3 + 1.0 if name == "cumprod" else x
        b = mx.array(y, dtype=mx.float64)
        for reverse, inclusive in FLAGS:
            fn = getattr(mx, name)
            got = fn(b, axis=axis, reverse=reverse, inclusive=inclusive)
            want = scan_oracle(y, name, ufunc, axis, reverse, inclusive)
            assert_close(got, want, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("shape, axis", EDGE)
@pytest.mark.parametrize("name, ufunc", SCANS, ids=[n for n, _ in SCANS])
def test_scan_edge_shapes(name, ufunc, shape, axis):
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    for reverse, inclusive in FLAGS:
        fn = getattr(mx, name)
        got = fn(mx.array(x), axis=axis, reverse=reverse, inclusive=inclusive)
        want = scan_oracle(x.astype(np.float64), name, ufunc, axis, reverse, inclusive)
        assert_close(got, want)


def test_sort_long_and_strided(rng):
    x = rng.standard_normal((3000, 4))
    a = mx.array(x, dtype=mx.float64)
    assert_close(mx.sort(a, axis=0), np.sort(x, axis=0))
    want = np.argsort(x[:, ::-1].T, axis=-1, kind="stable").astype(np.uint32)
    assert_close(mx.argsort(a[:, ::-1].T, axis=-1), want)


@pytest.mark.parametrize("shape,axis", [((7,), None), ((4, 6), 1), ((4, 6), 0),
                                        ((3, 4, 5), (0, 2)), ((2, 3, 4), None)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_median_matches_numpy(rng, shape, axis, keepdims):
    x = rng.standard_normal(shape).astype(np.float32)
    got = mx.median(mx.array(x), axis=axis, keepdims=keepdims)
    want = np.median(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(np.array(got), want, rtol=1e-6)


def test_median_nan_ints_and_gradient(rng):
    x = np.array([[1.0, 5.0, 3.0], [2.0, np.nan, 1.0]], dtype=np.float32)
    np.testing.assert_array_equal(np.array(mx.median(mx.array(x), axis=1)), [3.0, np.nan])
    med = mx.median(mx.array([4, 1, 3, 2]))
    assert med.dtype == mx.float32 and med.item() == 2.5
    # The median is piecewise linear: its gradient splits over the middle pair.
    v = rng.permutation(8).astype(np.float32)
    g = np.array(mx.grad(lambda a: mx.median(a))(mx.array(v)))
    want = np.where((v == 3) | (v == 4), 0.5, 0.0)
    np.testing.assert_array_equal(g, want)


def oracle_unique(a, size, fill):
    vals, index, inverse, counts = np.unique(a.ravel(), return_index=True,
                                             return_inverse=True, return_counts=True)
    u = len(vals)
    pad = max(size - u, 0)
    values = np.concatenate([vals[:size], np.full(pad, vals[0] if fill is None else fill)])
    index = np.concatenate([index[:size], np.full(pad, index[0])])
    counts = np.concatenate([counts[:size], np.zeros(pad, int)])
    inverse = np.minimum(inverse.reshape(a.shape), max(size - 1, 0))
    return values, index, inverse, counts


@pytest.mark.parametrize("size", [0, 1, 3, 6, 10])
@pytest.mark.parametrize("fill", [None, -7])
def test_unique_matches_numpy(rng, size, fill):
    a = rng.integers(0, 6, (3, 4)).astype(np.int32)
    got = mx.unique(mx.array(a), size, return_index=True, return_inverse=True,
                    return_counts=True, fill_value=fill)
    want = oracle_unique(a, size, fill)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.array(g), w.astype(np.array(g).dtype))
    assert [g.dtype for g in got] == [mx.int32, mx.uint32, mx.uint32, mx.int32]


def test_unique_edges():
    assert mx.unique(mx.array([2, 1, 2]), 2).tolist() == [1, 2]
    # NaN never equals NaN, so each one is its own entry
    vals, counts = mx.unique(mx.array([np.nan, 1.0, np.nan]), 3, return_counts=True)
    assert vals.tolist()[0] == 1.0 and np.isnan(vals.tolist()[1:]).all()
    assert counts.tolist() == [1, 1, 1]
    with pytest.raises(ValueError):
        mx.unique(mx.array([1, 2]), -1)
    with pytest.raises(ValueError):
        mx.unique(mx.array([], mx.float32), 2)
    assert mx.unique(mx.array([], mx.float32), 2, fill_value=3).tolist() == [3, 3]


def test_minmax_depends_matrix_norm(rng):
    x = rng.standard_normal((3, 5)).astype(np.float32)
    lo, hi = mx.minmax(mx.array(x), axis=1, keepdims=True)
    np.testing.assert_array_equal(np.array(lo), x.min(1, keepdims=True))
    np.testing.assert_array_equal(np.array(hi), x.max(1, keepdims=True))
    a, b = mx.array(x), mx.array(2.0)
    out = mx.depends(a, b)
    np.testing.assert_array_equal(np.array(out), x)
    (out2,) = mx.depends([a], [b * 3])
    np.testing.assert_array_equal(np.array(out2), x)
    g = mx.grad(lambda v: (mx.depends(v, b) ** 2).sum())(a)
    np.testing.assert_allclose(np.array(g), 2 * x, rtol=1e-6)
    np.testing.assert_allclose(np.array(mx.matrix_norm(mx.array(x))),
                               np.linalg.norm(x), rtol=1e-6)
