"""nn.Conv{1,2,3}d and nn.ConvTranspose{1,2,3}d against torch.nn (values and
gradients), plus their parameters, initialization and repr."""

import math

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn

torch = pytest.importorskip("torch")


def channels_first(x: np.ndarray) -> np.ndarray:
    """NL..C -> NC L..."""
    return np.moveaxis(x, -1, 1)


def channels_last(x: np.ndarray) -> np.ndarray:
    return np.moveaxis(x, 1, -1)


def torch_conv(layer, transpose: bool, ndim: int, **kwargs):
    """The torch layer holding the same weights as the mlx layer."""
    w = np.array(layer.weight)  # (out, *kernel, in)
    out_ch, in_ch = w.shape[0], w.shape[-1]
    kernel = w.shape[1:-1]
    if transpose:
        cls = getattr(torch.nn, f"ConvTranspose{ndim}d")
        t = cls(in_ch, out_ch, kernel, bias="bias" in layer, **kwargs)
        tw = np.moveaxis(w, [0, -1], [1, 0])  # (in, out, *kernel)
    else:
        cls = getattr(torch.nn, f"Conv{ndim}d")
        groups = kwargs.get("groups", 1)
        t = cls(in_ch * groups, out_ch, kernel, bias="bias" in layer, **kwargs)
        tw = np.moveaxis(w, -1, 1)  # (out, in / groups, *kernel)
    with torch.no_grad():
        t.weight.copy_(torch.from_numpy(np.ascontiguousarray(tw)))
        if "bias" in layer:
            t.bias.copy_(torch.from_numpy(np.array(layer.bias)))
    return t


def check_against_torch(layer, t, x: np.ndarray, rng, atol=1e-4):
    """Output, input gradient and weight/bias gradients of a random
    weighted sum of the outputs agree with torch."""
    xm = mx.array(x)
    y = layer(xm)
    xt = torch.from_numpy(channels_first(x).copy()).requires_grad_(True)
    yt = t(xt)
    expected = channels_last(yt.detach().numpy())
    np.testing.assert_allclose(np.array(y), expected, atol=atol)

    cot = rng.standard_normal(y.shape).astype(np.float32)

    def loss(params, x):
        layer.update(params)
        return (layer(x) * mx.array(cot)).sum()

    grads, gx = mx.grad(loss, argnums=(0, 1))(layer.trainable_parameters(), xm)
    (yt * torch.from_numpy(channels_first(cot).copy())).sum().backward()
    np.testing.assert_allclose(np.array(gx), channels_last(xt.grad.numpy()), atol=atol)
    gw = np.array(grads["weight"])
    tgw = t.weight.grad.numpy()
    if isinstance(t, torch.nn.modules.conv._ConvTransposeNd):
        tgw = np.moveaxis(tgw, [1, 0], [0, -1])
    else:
        tgw = np.moveaxis(tgw, 1, -1)
    np.testing.assert_allclose(gw, tgw, atol=atol)
    if "bias" in layer:
        tgb = t.bias.grad.numpy()
        np.testing.assert_allclose(np.array(grads["bias"]), tgb, atol=atol)


CONV_CASES = [
    # (ndim, in, out, kernel, stride, padding, dilation, groups, bias, spatial)
    (1, 3, 4, 3, 1, 0, 1, 1, True, (9,)),
    (1, 4, 6, 2, 2, 1, 2, 2, False, (11,)),
    (2, 3, 5, 3, 1, 1, 1, 1, True, (7, 6)),
    (2, 4, 4, (2, 3), (2, 1), (1, 0), (1, 2), 4, True, (8, 9)),
    (2, 6, 4, 3, 2, 0, 1, 2, True, (9, 7)),
    (3, 2, 3, 2, 1, 0, 1, 1, True, (4, 5, 3)),
    (3, 3, 2, (1, 2, 3), (1, 2, 1), (0, 1, 1), 1, 1, False, (3, 6, 5)),
]


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_matches_torch(case, rng):
    ndim, cin, cout, k, s, p, d, g, bias, spatial = case
    cls = getattr(nn, f"Conv{ndim}d")
    kwargs = dict(stride=s, padding=p, dilation=d, bias=bias)
    if ndim < 3:
        kwargs["groups"] = g
    layer = cls(cin, cout, k, **kwargs)
    t_kwargs = dict(stride=s, padding=p, dilation=d)
    if g > 1:
        t_kwargs["groups"] = g
    t = torch_conv(layer, False, ndim, **t_kwargs)
    x = rng.standard_normal((2, *spatial, cin)).astype(np.float32)
    check_against_torch(layer, t, x, rng)


TRANSPOSE_CASES = [
    # (ndim, in, out, kernel, stride, padding, dilation, output_padding, bias, spatial)
    (1, 3, 4, 3, 1, 0, 1, 0, True, (6,)),
    (1, 2, 3, 4, 3, 1, 1, 2, False, (5,)),
    (2, 3, 2, 3, 2, 1, 1, 1, True, (4, 5)),
    (2, 2, 3, (2, 3), (1, 2), (0, 1), (2, 1), (0, 1), True, (3, 4)),
    (3, 2, 2, 2, 2, 0, 1, 0, True, (2, 3, 2)),
]


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose_matches_torch(case, rng):
    ndim, cin, cout, k, s, p, d, op, bias, spatial = case
    cls = getattr(nn, f"ConvTranspose{ndim}d")
    kwargs = dict(stride=s, padding=p, dilation=d, output_padding=op)
    layer = cls(cin, cout, k, bias=bias, **kwargs)
    t = torch_conv(layer, True, ndim, **kwargs)
    x = rng.standard_normal((2, *spatial, cin)).astype(np.float32)
    check_against_torch(layer, t, x, rng)


def test_conv_parameters_and_init():
    mx.random.seed(3)
    c = nn.Conv2d(8, 16, (3, 5), groups=2)
    assert c.weight.shape == (16, 3, 5, 4)
    assert c.bias.shape == (16,)
    assert np.all(np.array(c.bias) == 0)
    # Uniform in +-1/sqrt(fan_in), fan_in = in / groups * kernel area.
    bound = 1 / math.sqrt(4 * 15)
    w = np.array(c.weight)
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.9 * bound
    assert abs(w.mean()) < 0.1 * bound
    assert sorted(c.parameters()) == ["bias", "weight"]

    ct = nn.ConvTranspose1d(6, 2, 4, bias=False)
    assert ct.weight.shape == (2, 4, 6)
    assert "bias" not in ct.parameters()
    assert np.abs(np.array(ct.weight)).max() <= 1 / math.sqrt(6 * 4)

    assert nn.Conv3d(2, 3, (1, 2, 3)).weight.shape == (3, 1, 2, 3, 2)
    assert nn.ConvTranspose3d(2, 3, 2).weight.shape == (3, 2, 2, 2, 2)


def test_conv_errors_and_repr():
    with pytest.raises(ValueError, match=r"\[Conv1d\]"):
        nn.Conv1d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"\[Conv2d\]"):
        nn.Conv2d(3, 4, (3, 3, 3))
    assert repr(nn.Conv1d(4, 8, 3)) == (
        "Conv1d(4, 8, kernel_size=3, stride=1, padding=0, dilation=1, groups=1, "
        "bias=True)"
    )
    assert repr(nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=2, bias=False)) == (
        "Conv2d(4, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), "
        "dilation=1, groups=2, bias=False)"
    )
    assert repr(nn.ConvTranspose2d(4, 8, 3, stride=2, output_padding=1)) == (
        "ConvTranspose2d(4, 8, kernel_size=(3, 3), stride=(2, 2), padding=(0, 0), "
        "dilation=1, output_padding=(1, 1), bias=True)"
    )


def test_conv_unbatched_shapes_follow_core():
    # The layer adds nothing to the core op but the bias.
    c = nn.Conv1d(2, 3, 3)
    x = mx.ones((1, 8, 2))
    expected = mx.conv1d(x, c.weight) + c.bias
    assert mx.allclose(c(x), expected).item()
