"""Dropout, Dropout2d and Dropout3d: masks, scaling and statistics checked
with numpy, eval mode, dtypes and errors."""

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn


def test_dropout_statistics():
    mx.random.seed(7)
    p = 0.3
    x = np.random.default_rng(0).uniform(1, 2, (200, 500)).astype(np.float32)
    y = np.array(nn.Dropout(p)(mx.array(x)))
    kept = y != 0
    # Kept entries are scaled by 1 / (1 - p), the others are zero.
    np.testing.assert_allclose(y[kept], x[kept] / (1 - p), rtol=1e-6)
    # 100k Bernoulli draws: the dropped fraction is p within 7 sigma.
    assert abs((~kept).mean() - p) < 7 * np.sqrt(p * (1 - p) / x.size)


def test_eval_mode_and_zero_probability_are_identity():
    x = mx.random.normal((4, 5, 5, 3))
    for layer in (nn.Dropout(0.5), nn.Dropout2d(0.5), nn.Dropout3d(0.5)):
        layer.eval()
        xi = x if not isinstance(layer, nn.Dropout3d) else x[None]
        assert mx.array_equal(layer(xi), xi).item()
    assert mx.array_equal(nn.Dropout(0.0)(x), x).item()


@pytest.mark.parametrize(
    "cls, shape, spatial_axes",
    [
        (nn.Dropout2d, (6, 5, 4, 32), (1, 2)),
        (nn.Dropout2d, (5, 4, 64), (0, 1)),  # HWC: one draw per channel
        (nn.Dropout3d, (4, 3, 3, 2, 32), (1, 2, 3)),
        (nn.Dropout3d, (3, 4, 2, 64), (0, 1, 2)),
    ],
)
def test_channel_dropout_zeroes_whole_channels(cls, shape, spatial_axes):
    mx.random.seed(3)
    p = 0.5
    y = np.array(cls(p)(mx.ones(shape)))
    # Every channel map is either all zeros or all 1 / (1 - p).
    lo = y.min(axis=spatial_axes)
    hi = y.max(axis=spatial_axes)
    np.testing.assert_array_equal(lo, hi)
    assert set(np.unique(lo)) <= {0.0, 1 / (1 - p)}
    assert 0 < (lo == 0).mean() < 1


@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.bfloat16])
def test_dtype_is_kept(dtype):
    assert nn.Dropout(0.5)(mx.ones((2, 4), dtype=dtype)).dtype == dtype
    assert nn.Dropout2d(0.5)(mx.ones((2, 4, 4, 4), dtype=dtype)).dtype == dtype
    assert nn.Dropout3d(0.5)(mx.ones((2, 4, 4, 4, 4), dtype=dtype)).dtype == dtype


def test_gradient_is_the_mask():
    layer = nn.Dropout(0.25)
    x = mx.ones((50, 40))
    mx.random.seed(11)
    y = layer(x)
    mx.random.seed(11)  # same draws: the derivative is the scaled mask
    g = mx.grad(lambda a: (layer(a) * 2).sum())(x)
    np.testing.assert_allclose(np.array(g), 2 * np.array(y), rtol=1e-6)


def test_errors_and_repr():
    for p in (1.0, -0.1, 1.5):
        for cls in (nn.Dropout, nn.Dropout2d, nn.Dropout3d):
            with pytest.raises(ValueError, match=r"\[Dropout"):
                cls(p)
    with pytest.raises(ValueError, match=r"\[Dropout2d\]"):
        nn.Dropout2d()(mx.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\[Dropout3d\]"):
        nn.Dropout3d()(mx.ones((2, 3, 4)))
    assert repr(nn.Dropout(0.5)) == "Dropout(p=0.5)"
    assert nn.Dropout(0.5).parameters() == {}
