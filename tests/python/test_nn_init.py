"""mlx.nn.init: shapes, dtypes and sample statistics against the formulas.

Statistical checks use large samples and bounds of several standard errors,
with a fixed seed, so they are both meaningful and repeatable.
"""

import math

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn.init as init


@pytest.fixture(autouse=True)
def seed():
    mx.random.seed(42)


def np32(a):
    return np.array(a.astype(mx.float32), dtype=np.float64)


def assert_moments(x, mean, std):
    """Sample mean and std within 6 standard errors of the expected ones."""
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    assert abs(x.mean() - mean) < 6 * std / math.sqrt(n), (x.mean(), mean)
    # The std of the sample std is about std / sqrt(2n) for these distributions.
    assert abs(x.std() - std) < 6 * std / math.sqrt(2 * n) + 1e-3 * std, (x.std(), std)


@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.bfloat16])
@pytest.mark.parametrize(
    "make",
    [
        lambda d: init.constant(0.5, d),
        lambda d: init.normal(dtype=d),
        lambda d: init.uniform(dtype=d),
        lambda d: init.glorot_normal(d),
        lambda d: init.glorot_uniform(d),
        lambda d: init.he_normal(d),
        lambda d: init.he_uniform(d),
        lambda d: init.orthogonal(dtype=d),
        lambda d: init.sparse(0.5, dtype=d),
        lambda d: init.identity(d),
    ],
)
def test_shape_and_dtype_and_input_untouched(make, dtype):
    a = mx.full((4, 4), 7, dtype=mx.int32)
    out = make(dtype)(a)
    assert out.shape == a.shape
    assert out.dtype == dtype
    assert out is not a
    assert mx.array_equal(a, mx.full((4, 4), 7, dtype=mx.int32)).item()


def test_constant():
    cases = [((3,), mx.float32), ((2, 3, 4), mx.float16), ((5, 2), mx.int32)]
    for shape, dtype in cases:
        out = init.constant(2.0, dtype)(mx.zeros(shape))
        assert out.dtype == dtype
        np.testing.assert_array_equal(np32(out), np.full(shape, 2.0))


@pytest.mark.parametrize("mean,std", [(0.0, 1.0), (3.0, 0.25), (-1.0, 4.0)])
def test_normal_moments(mean, std):
    out = init.normal(mean, std)(mx.zeros((200, 300)))
    assert_moments(np32(out), mean, std)


@pytest.mark.parametrize("low,high", [(0.0, 1.0), (-3.0, 5.0)])
def test_uniform_range_and_moments(low, high):
    x = np32(init.uniform(low, high)(mx.zeros((200, 300))))
    assert x.min() >= low and x.max() <= high
    # Both ends of the interval get used.
    assert x.min() < low + 0.01 * (high - low) and x.max() > high - 0.01 * (high - low)
    assert_moments(x, (low + high) / 2, (high - low) / math.sqrt(12))


def test_identity():
    for dtype in [mx.float32, mx.float16]:
        out = init.identity(dtype)(mx.zeros((5, 5)))
        assert out.dtype == dtype
        np.testing.assert_array_equal(np32(out), np.eye(5))
    for shape in [(3, 2), (3,), (3, 3, 3)]:
        with pytest.raises(ValueError, match=r"^\[identity\]"):
            init.identity()(mx.zeros(shape))


# (shape, fan_in, fan_out): weights are laid out (out, *kernel, in).
FAN_CASES = [
    ((64, 256), 256, 64),
    ((300, 40), 40, 300),
    ((32, 3, 3, 16), 16 * 9, 32 * 9),
    ((24, 5, 12), 12 * 5, 24 * 5),
]


@pytest.mark.parametrize("shape,fan_in,fan_out", FAN_CASES)
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_glorot(shape, fan_in, fan_out, gain):
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    x = np32(init.glorot_normal()(mx.zeros(shape), gain=gain))
    assert_moments(x, 0.0, std)

    limit = gain * math.sqrt(6.0 / (fan_in + fan_out))
    x = np32(init.glorot_uniform()(mx.zeros(shape), gain=gain))
    assert np.abs(x).max() <= limit
    # Same variance as the normal version: limit / sqrt(3) == std.
    assert_moments(x, 0.0, limit / math.sqrt(3))


@pytest.mark.parametrize("shape,fan_in,fan_out", FAN_CASES)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("gain", [1.0, math.sqrt(2.0), 5.0])
def test_he(shape, fan_in, fan_out, mode, gain):
    fan = fan_in if mode == "fan_in" else fan_out
    x = np32(init.he_normal()(mx.zeros(shape), mode=mode, gain=gain))
    assert_moments(x, 0.0, gain / math.sqrt(fan))

    limit = gain * math.sqrt(3.0 / fan)
    x = np32(init.he_uniform()(mx.zeros(shape), mode=mode, gain=gain))
    assert np.abs(x).max() <= limit
    assert_moments(x, 0.0, gain / math.sqrt(fan))


def test_he_default_mode_is_fan_in():
    x = np32(init.he_normal()(mx.zeros((50, 2000))))
    assert_moments(x, 0.0, 1 / math.sqrt(2000))


@pytest.mark.parametrize(
    "name", ["glorot_normal", "glorot_uniform", "he_normal", "he_uniform"]
)
def test_fan_errors(name):
    initializer = getattr(init, name)()
    for shape in [(), (5,)]:
        with pytest.raises(ValueError, match=rf"^\[{name}\] .*2 dimensions"):
            initializer(mx.zeros(shape))
    if name.startswith("he"):
        with pytest.raises(ValueError, match=rf"^\[{name}\] Invalid mode"):
            initializer(mx.zeros((3, 3)), mode="fan_avg")


@pytest.mark.parametrize("shape", [(4, 4), (6, 4), (4, 6), (1, 7), (7, 1), (33, 20)])
@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_orthogonal(shape, gain):
    q = np.array(init.orthogonal(gain=gain)(mx.zeros(shape)), dtype=np.float64)
    rows, cols = shape
    # Orthonormal columns when tall, orthonormal rows when wide.
    gram = q.T @ q if rows >= cols else q @ q.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(rows, cols)), atol=1e-5)
    # All singular values equal gain: a scaled (semi-)orthogonal matrix.
    singular = np.linalg.svd(q, compute_uv=False)
    np.testing.assert_allclose(singular, np.full(min(shape), gain), atol=1e-5)


def test_orthogonal_is_uniformly_distributed():
    # For a Haar-random orthogonal matrix every entry has mean 0 and variance
    # 1/n. A QR without the sign correction gives a strongly biased Q[0, 0].
    draws = np.stack([
        np.array(init.orthogonal()(mx.zeros((3, 3)))) for _ in range(300)
    ])
    corner = draws[:, 0, 0]
    assert abs(corner.mean()) < 6 * math.sqrt(1 / 3) / math.sqrt(300)
    assert abs(draws.var(axis=0).mean() - 1 / 3) < 0.05


def test_orthogonal_dtype_and_errors():
    out = init.orthogonal(dtype=mx.float16)(mx.zeros((5, 5)))
    assert out.dtype == mx.float16
    q = np32(out)
    np.testing.assert_allclose(q @ q.T, np.eye(5), atol=5e-3)
    with pytest.raises(ValueError, match=r"^\[orthogonal\] .*3D array"):
        init.orthogonal()(mx.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"^\[orthogonal\] .*1D array"):
        init.orthogonal()(mx.zeros((4,)))


@pytest.mark.parametrize(
    "sparsity,shape", [(0.5, (4, 10)), (0.3, (5, 10)), (0.9, (6, 7)), (0.0, (3, 4)),
                       (1.0, (3, 4)), (0.25, (2000, 8))]
)
def test_sparse_zeros_per_row(sparsity, shape):
    x = np32(init.sparse(sparsity)(mx.zeros(shape)))
    expected = math.ceil(sparsity * shape[1])
    np.testing.assert_array_equal((x == 0).sum(axis=1), np.full(shape[0], expected))


def test_sparse_statistics():
    mean, std, sparsity = 2.0, 0.5, 0.25
    rows, cols = 3000, 8
    x = np32(init.sparse(sparsity, mean, std)(mx.zeros((rows, cols))))
    zeros = x == 0
    # Nonzero entries follow N(mean, std^2).
    assert_moments(x[~zeros], mean, std)
    # Zero positions are uniform over the columns: each column holds a
    # fraction `sparsity` of a row's zeros (binomial bound, 6 sigma).
    per_column = zeros.sum(axis=0) / rows
    p = 2 / cols  # ceil(0.25 * 8) = 2 zeros per row
    assert np.all(np.abs(per_column - p) < 6 * math.sqrt(p * (1 - p) / rows))


def test_sparse_errors():
    with pytest.raises(ValueError, match=r"^\[sparse\]"):
        init.sparse(0.5)(mx.zeros((4,)))
    with pytest.raises(ValueError, match=r"^\[sparse\]"):
        init.sparse(0.5)(mx.zeros((2, 2, 2)))
    for bad in [-0.1, 1.5]:
        with pytest.raises(ValueError, match=r"^\[sparse\]"):
            init.sparse(bad)


def test_fresh_samples_each_call():
    initializer = init.normal()
    a = np32(initializer(mx.zeros((8, 8))))
    b = np32(initializer(mx.zeros((8, 8))))
    assert not np.array_equal(a, b)
