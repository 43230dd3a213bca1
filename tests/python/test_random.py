"""mx.random: determinism, shapes, dtypes, bounds and distribution checks.

The statistical tests use fixed keys, so they are deterministic; their
thresholds (5 standard errors, KS at alpha = 1e-3) would fail by chance only
rarely even for a fresh key.
"""

import math

import numpy as np
import pytest

import mlx.core as mx

N = 20000
# Kolmogorov's asymptotic critical value: sqrt(-ln(alpha / 2) / 2) / sqrt(n).
KS_ALPHA = 1e-3


def key(seed=0):
    return mx.random.key(seed)


def samples(a) -> np.ndarray:
    """float64 numpy copy (bfloat16 and float16 through float32)."""
    if a.dtype in (mx.bfloat16, mx.float16):
        a = a.astype(mx.float32)
    return np.array(a).astype(np.complex128 if a.dtype == mx.complex64 else np.float64)


def check_moments(x, mean, var, mu4=None):
    """Sample mean and variance within 5 standard errors of the truth.

    mu4 is the fourth central moment; normal (3 var^2) when omitted.
    """
    n = x.size
    mu4 = 3 * var**2 if mu4 is None else mu4
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / n), (x.mean(), mean)
    assert abs(x.var() - var) < 5 * math.sqrt((mu4 - var**2) / n), (x.var(), var)


def normal_cdf(x):
    return 0.5 * (1.0 + np.vectorize(math.erf)(np.asarray(x) / math.sqrt(2.0)))


def check_ks(x, cdf):
    """The Kolmogorov-Smirnov statistic of x against cdf is below critical."""
    x = np.sort(x.reshape(-1))
    n = x.size
    f = cdf(x)
    above = np.arange(1, n + 1) / n - f
    below = f - np.arange(n) / n
    statistic = max(above.max(), below.max())
    critical = math.sqrt(-math.log(KS_ALPHA / 2) / 2) / math.sqrt(n)
    assert statistic < critical, (statistic, critical)


def test_same_key_same_numbers():
    for fn in (
        lambda k: mx.random.uniform(shape=(7,), key=k),
        lambda k: mx.random.normal((7,), key=k),
        lambda k: mx.random.randint(0, 1000, (7,), key=k),
        lambda k: mx.random.bernoulli(0.5, (7,), key=k),
        lambda k: mx.random.gumbel((7,), key=k),
        lambda k: mx.random.permutation(20, key=k),
    ):
        assert np.array_equal(np.array(fn(key(3))), np.array(fn(key(3))))
        assert not np.array_equal(np.array(fn(key(3))), np.array(fn(key(4))))


def test_split_gives_distinct_keys():
    k = key(5)
    keys = np.array(mx.random.split(k, 6))
    assert keys.shape == (6, 2) and keys.dtype == np.uint32
    rows = {tuple(r) for r in keys} | {tuple(np.array(k))}
    assert len(rows) == 7
    np.testing.assert_array_equal(keys, np.array(mx.random.split(k, 6)))
    first, second = mx.random.split(k)
    a = mx.random.uniform(shape=(8,), key=first)
    b = mx.random.uniform(shape=(8,), key=second)
    assert not np.array_equal(np.array(a), np.array(b))


def test_seed_resets_the_global_stream():
    mx.random.seed(11)
    a = np.array(mx.random.uniform(shape=(5,)))
    b = np.array(mx.random.uniform(shape=(5,)))
    assert not np.array_equal(a, b)
    mx.random.seed(11)
    # A call with an explicit key does not advance the global stream.
    mx.random.normal((3,), key=key(1))
    np.testing.assert_array_equal(np.array(mx.random.uniform(shape=(5,))), a)
    np.testing.assert_array_equal(np.array(mx.random.uniform(shape=(5,))), b)
    mx.random.seed(12)
    assert not np.array_equal(np.array(mx.random.uniform(shape=(5,))), a)


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16, mx.float32, mx.float64])
def test_uniform_bounds_and_dtype(dtype):
    a = mx.random.uniform(-2.0, 3.0, (N,), dtype=dtype, key=key())
    assert a.dtype == dtype and a.shape == (N,)
    x = samples(a)
    assert x.min() >= -2.0 and x.max() < 3.0
    assert mx.random.uniform(key=key()).shape == ()
    assert mx.random.uniform(shape=(2, 3), key=key()).dtype == mx.float32


def test_uniform_array_bounds_broadcast():
    low = mx.array([0.0, 10.0, -5.0])
    high = mx.array([[1.0], [20.0]]) + low
    x = samples(mx.random.uniform(low, high, (2, 3), key=key()))
    assert np.all(x >= np.array(low)) and np.all(x < np.array(high))
    many = samples(mx.random.uniform(low, low + 1.0, (N, 3), key=key()))
    np.testing.assert_array_less(np.array(low) - 1e-6, many.min(0))
    np.testing.assert_array_less(many.max(0), np.array(low) + 1.0)


def test_uniform_distribution():
    x = samples(mx.random.uniform(shape=(N,), key=key(7)))
    check_moments(x, 0.5, 1 / 12, mu4=1 / 80)
    check_ks(x, lambda t: np.clip(t, 0.0, 1.0))


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16, mx.float32, mx.float64])
def test_normal_distribution(dtype):
    a = mx.random.normal((N,), dtype=dtype, key=key(8))
    assert a.dtype == dtype
    x = samples(a)
    check_moments(x, 0.0, 1.0)
    # Rounding to bfloat16 (8 bits) moves the CDF by up to about 2e-3.
    if dtype != mx.bfloat16:
        check_ks(x, normal_cdf)


def test_normal_loc_and_scale_broadcast():
    loc = mx.array([-5.0, 0.0, 5.0])
    scale = mx.array([0.1, 1.0, 10.0])
    x = samples(mx.random.normal((N, 3), loc=loc, scale=scale, key=key(9)))
    for j in range(3):
        check_moments(x[:, j], np.array(loc)[j], np.array(scale)[j] ** 2)
    shaped = mx.random.normal((4, 3), loc=loc, scale=mx.array(2.0), key=key())
    assert shaped.shape == (4, 3)
    scalar = samples(mx.random.normal((N,), loc=3.0, scale=0.5, key=key(10)))
    check_moments(scalar, 3.0, 0.25)


def test_complex_normal():
    a = mx.random.normal((N,), dtype=mx.complex64, key=key(12))
    assert a.dtype == mx.complex64
    z = samples(a)
    # A standard complex normal: independent parts of variance 1/2 each.
    check_moments(z.real, 0.0, 0.5)
    check_moments(z.imag, 0.0, 0.5)
    assert abs(np.mean(z.real * z.imag)) < 5 * 0.5 / math.sqrt(N)


@pytest.mark.parametrize(
    "low, high, dtype",
    [
        (0, 10, mx.int32),
        (-3, 4, mx.int32),
        (-128, 127, mx.int8),
        (0, 256, mx.uint8),
        (-(2**40), 2**40, mx.int64),
        (2**62, 2**62 + 5, mx.int64),
        (0, 2**32 - 1, mx.uint32),
    ],
    ids=repr,
)
def test_randint_bounds(low, high, dtype):
    a = mx.random.randint(low, high, (N,), dtype=dtype, key=key(13))
    assert a.dtype == dtype
    x = np.array(a).astype(object)
    assert min(x) >= low and max(x) < high
    if high - low <= 256:
        assert len(set(x)) == high - low, "every value should appear"
    else:
        # Wide ranges: the samples spread over most of it.
        assert max(x) - min(x) > (high - low) * 0.99


def test_randint_moments_and_array_bounds():
    x = np.array(mx.random.randint(-3, 7, (N,), key=key(14))).astype(np.float64)
    check_moments(x, 1.5, (10**2 - 1) / 12, mu4=((10**2 - 1) * (3 * 10**2 - 7)) / 240)
    low = mx.array([0, 100, -50])
    x = np.array(mx.random.randint(low, low + 3, (50, 3), key=key()))
    assert np.all(x >= np.array(low)) and np.all(x < np.array(low) + 3)


def test_randint_empty_range_gives_low():
    for low, high in ((5, 5), (7, 2), (-1, -4)):
        x = np.array(mx.random.randint(low, high, (6,), key=key()))
        np.testing.assert_array_equal(x, np.full(6, low))


def test_bernoulli():
    a = mx.random.bernoulli(0.3, (N,), key=key(15))
    assert a.dtype == mx.bool_ and a.shape == (N,)
    check_moments(np.array(a).astype(np.float64), 0.3, 0.21, mu4=0.21 * (1 - 3 * 0.21))
    p = mx.array([0.0, 1.0, 0.5])
    per_p = mx.random.bernoulli(p, key=key())
    assert per_p.shape == (3,)
    grid = np.array(mx.random.bernoulli(p, (N, 3), key=key(16)))
    assert not grid[:, 0].any() and grid[:, 1].all()
    assert abs(grid[:, 2].mean() - 0.5) < 5 * 0.5 / math.sqrt(N)
    assert mx.random.bernoulli(key=key()).shape == ()


@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.float64])
def test_truncated_normal(dtype):
    a = mx.random.truncated_normal(-0.5, 2.0, (N,), dtype=dtype, key=key(17))
    assert a.dtype == dtype
    x = samples(a)
    assert x.min() >= -0.5 and x.max() <= 2.0
    lo, hi = normal_cdf(-0.5), normal_cdf(2.0)
    if dtype != mx.float16:
        check_ks(x, lambda t: (normal_cdf(t) - lo) / (hi - lo))


def test_truncated_normal_array_bounds():
    lower = mx.array([-3.0, 0.0, 1.0])
    upper = mx.array([-2.0, 0.1, 4.0])
    x = samples(mx.random.truncated_normal(lower, upper, (500, 3), key=key()))
    assert np.all(x >= np.array(lower)) and np.all(x <= np.array(upper))
    assert mx.random.truncated_normal(lower, upper, key=key()).shape == (3,)


def test_gumbel():
    a = mx.random.gumbel((N,), key=key(18))
    assert a.dtype == mx.float32
    x = samples(a)
    var = math.pi**2 / 6
    check_moments(x, 0.5772156649015329, var, mu4=5.4 * var**2)
    check_ks(x, lambda t: np.exp(-np.exp(-t)))
    assert mx.random.gumbel((3,), dtype=mx.float16, key=key()).dtype == mx.float16


def test_laplace():
    a = mx.random.laplace((N,), loc=1.0, scale=2.0, key=key(19))
    assert a.dtype == mx.float32
    x = samples(a)
    check_moments(x, 1.0, 8.0, mu4=6 * 8.0**2)

    def cdf(t):
        tail = 0.5 * np.exp(-np.abs(t - 1.0) / 2.0)
        return np.where(t < 1.0, tail, 1.0 - tail)

    check_ks(x, cdf)


def test_categorical_frequencies():
    probs = np.array([0.1, 0.2, 0.3, 0.4, 0.0])
    with np.errstate(divide="ignore"):
        logits = mx.array(np.log(probs), dtype=mx.float32)
    a = mx.random.categorical(logits, shape=(N,), key=key(20))
    assert a.shape == (N,) and a.dtype == mx.uint32
    counts = np.bincount(np.array(a), minlength=5) / N
    assert counts[4] == 0.0, "a -inf logit is never drawn"
    se = np.sqrt(probs * (1 - probs) / N)
    np.testing.assert_array_less(np.abs(counts - probs), 5 * se + 1e-12)


def test_categorical_shapes():
    logits = mx.zeros((2, 5))
    assert mx.random.categorical(logits, key=key()).shape == (2,)
    assert mx.random.categorical(logits, num_samples=7, key=key()).shape == (2, 7)
    assert mx.random.categorical(logits, shape=(4, 2), key=key()).shape == (4, 2)
    by_rows = mx.random.categorical(logits, axis=0, num_samples=3, key=key())
    assert by_rows.shape == (5, 3)
    assert np.array(by_rows).max() < 2
    # Each row strongly prefers a different category.
    peaked = mx.array([[0.0, 30.0, 0.0], [30.0, 0.0, 0.0]])
    got = np.array(mx.random.categorical(peaked, num_samples=50, key=key()))
    np.testing.assert_array_equal(got, np.array([[1] * 50, [0] * 50]))


def test_permutation():
    p = np.array(mx.random.permutation(50, key=key(21)))
    np.testing.assert_array_equal(np.sort(p), np.arange(50))
    assert not np.array_equal(p, np.arange(50))
    x = np.arange(24).reshape(4, 6)
    rows = np.array(mx.random.permutation(mx.array(x), key=key(22)))
    np.testing.assert_array_equal(rows[np.argsort(rows[:, 0])], x)
    cols = np.array(mx.random.permutation(mx.array(x), axis=1, key=key(23)))
    np.testing.assert_array_equal(cols[:, np.argsort(cols[0])], x)


def test_permutation_first_element_takes_every_value():
    firsts = set()
    for k in mx.random.split(key(24), 200):
        firsts.add(int(mx.random.permutation(5, key=k)[0].item()))
    assert firsts == set(range(5))


def test_bits():
    a = mx.random.bits((N,), key=key(25))
    assert a.dtype == mx.uint32 and a.shape == (N,)
    x = np.array(a)
    # Each of the 32 bits is a fair coin.
    ones = np.array([((x >> b) & 1).mean() for b in range(32)])
    np.testing.assert_array_less(np.abs(ones - 0.5), 5 * 0.5 / math.sqrt(N))


def test_multivariate_normal_moments():
    mean = np.array([1.0, -2.0, 0.5])
    a = np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [-0.3, 0.2, 0.5]])
    cov = a @ a.T
    x = mx.random.multivariate_normal(mx.array(mean), mx.array(cov), shape=(40000,),
                                      key=mx.random.key(7))
    assert x.shape == (40000, 3) and x.dtype == mx.float32
    xs = np.array(x).astype(np.float64)
    # standard errors are about 0.005 (mean) and 0.01 (covariance) here
    np.testing.assert_allclose(xs.mean(0), mean, atol=0.03)
    np.testing.assert_allclose(np.cov(xs.T), cov, atol=0.05)
    # same key, same draws; batch shapes broadcast; bad shapes raise
    again = mx.random.multivariate_normal(mx.array(mean), mx.array(cov), shape=(40000,),
                                          key=mx.random.key(7))
    assert mx.array_equal(x, again)
    b = mx.random.multivariate_normal(mx.zeros((2, 3)), mx.array(cov), shape=(5, 2),
                                      key=mx.random.key(1))
    assert b.shape == (5, 2, 3)
    with pytest.raises(ValueError):
        mx.random.multivariate_normal(mx.zeros(3), mx.eye(2))
