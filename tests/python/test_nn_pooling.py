"""nn.MaxPool{1,2,3}d and nn.AvgPool{1,2,3}d against torch.nn (values and
gradients) and against a direct numpy loop over the windows."""

import itertools

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn

torch = pytest.importorskip("torch")


def reference_pool(x, kernel, stride, padding, kind):
    """Pooling by looping over windows in float64; padding is -inf (max)
    or zeros counted in the mean (avg)."""
    d = x.ndim - 2
    fill = -np.inf if kind == "max" else 0.0
    x = np.pad(
        x.astype(np.float64),
        [(0, 0)] + [(p, p) for p in padding] + [(0, 0)],
        constant_values=fill,
    )
    out_sizes = [(x.shape[1 + i] - kernel[i]) // stride[i] + 1 for i in range(d)]
    out = np.zeros((x.shape[0], *out_sizes, x.shape[-1]))
    for pos in itertools.product(*[range(n) for n in out_sizes]):
        starts = [pos[i] * stride[i] for i in range(d)]
        window = x[
            (slice(None),)
            + tuple(slice(starts[i], starts[i] + kernel[i]) for i in range(d))
        ]
        axes = tuple(range(1, 1 + d))
        reduce = window.max if kind == "max" else window.mean
        out[(slice(None), *pos)] = reduce(axis=axes)
    return out


def as_tuple(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


CASES = [
    # (ndim, kernel, stride, padding, spatial)
    (1, 2, None, 0, (8,)),
    (1, 3, 1, 1, (7,)),
    (1, 3, 2, 1, (10,)),
    (2, 2, None, 0, (6, 8)),
    (2, 3, 2, 1, (7, 9)),
    (2, (2, 4), (3, 1), (1, 2), (4, 5)),
    (2, 3, 1, 0, (5, 5)),
    (3, 2, None, 0, (4, 4, 6)),
    (3, (1, 2, 3), (1, 2, 1), (0, 1, 1), (3, 5, 6)),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("case", CASES)
def test_pool_matches_torch(kind, case, rng):
    ndim, kernel, stride, padding, spatial = case
    cls = getattr(nn, f"{kind.capitalize()}Pool{ndim}d")
    tcls = getattr(torch.nn, f"{kind.capitalize()}Pool{ndim}d")
    layer = cls(kernel, stride=stride, padding=padding)
    tlayer = tcls(kernel, stride=stride, padding=padding)
    x = rng.standard_normal((2, *spatial, 3)).astype(np.float32)

    y = layer(mx.array(x))
    xt = torch.from_numpy(np.moveaxis(x, -1, 1).copy()).requires_grad_(True)
    yt = tlayer(xt)
    expected = np.moveaxis(yt.detach().numpy(), 1, -1)
    np.testing.assert_allclose(np.array(y), expected, atol=1e-6)

    # Gradient of a random weighted sum; random data has no ties in max.
    cot = rng.standard_normal(y.shape).astype(np.float32)
    g = mx.grad(lambda a: (layer(a) * mx.array(cot)).sum())(mx.array(x))
    (yt * torch.from_numpy(np.moveaxis(cot, -1, 1).copy())).sum().backward()
    expected = np.moveaxis(xt.grad.numpy(), 1, -1)
    np.testing.assert_allclose(np.array(g), expected, atol=1e-6)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize(
    "ndim, kernel, stride, padding, spatial",
    [
        (1, 2, 3, 0, (10,)),  # gaps between windows
        (1, 2, 2, 2, (5,)),  # more padding than torch allows
        (2, (3, 1), (1, 3), (2, 0), (4, 7)),
        (1, 5, 5, 0, (3,)),  # window larger than the input: empty output
    ],
)
def test_pool_matches_loop(kind, ndim, kernel, stride, padding, spatial, rng):
    cls = getattr(nn, f"{kind.capitalize()}Pool{ndim}d")
    x = rng.standard_normal((2, *spatial, 2)).astype(np.float32)
    y = cls(kernel, stride=stride, padding=padding)(mx.array(x))
    expected = reference_pool(
        x, as_tuple(kernel, ndim), as_tuple(stride, ndim), as_tuple(padding, ndim), kind
    )
    assert y.shape == expected.shape
    np.testing.assert_allclose(np.array(y), expected, rtol=1e-6, atol=1e-6)


def test_integer_inputs():
    x = np.array([[[5], [-3], [7], [-100], [2]]], dtype=np.int32)
    y = nn.MaxPool1d(2, stride=2, padding=1)(mx.array(x))
    assert y.dtype == mx.int32
    # The padding never wins, even against negative values.
    expected = reference_pool(x, (2,), (2,), (1,), "max")
    np.testing.assert_array_equal(np.array(y), expected)
    small = mx.array(np.array([[[1], [2], [3]]], dtype=np.uint8))
    y = nn.MaxPool1d(2, padding=1)(small)
    assert y.dtype == mx.uint8
    np.testing.assert_array_equal(np.array(y).ravel(), [1, 3])
    y = nn.AvgPool1d(2)(mx.array(x))
    assert y.dtype == mx.float32
    np.testing.assert_allclose(np.array(y), reference_pool(x, (2,), (2,), (0,), "avg"))


def test_avg_pool_keeps_half_precision():
    x = mx.ones((1, 4, 4, 2), dtype=mx.float16)
    assert nn.AvgPool2d(2)(x).dtype == mx.float16
    assert nn.MaxPool2d(2, padding=1)(x).dtype == mx.float16


def test_pool_errors_and_repr():
    with pytest.raises(ValueError, match=r"\[MaxPool2d\]"):
        nn.MaxPool2d((2, 2, 2))
    with pytest.raises(ValueError, match=r"\[AvgPool1d\]"):
        nn.AvgPool1d(2)(mx.ones((4, 3)))
    assert repr(nn.MaxPool1d(kernel_size=3, padding=2)) == (
        "MaxPool1d(kernel_size=(3,), stride=(3,), padding=(2,))"
    )
    assert repr(nn.AvgPool2d(kernel_size=(1, 2), stride=2, padding=(1, 2))) == (
        "AvgPool2d(kernel_size=(1, 2), stride=(2, 2), padding=(1, 2))"
    )
    assert nn.MaxPool3d(2).parameters() == {}
