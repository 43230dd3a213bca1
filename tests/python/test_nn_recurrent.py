"""nn.RNN, nn.GRU and nn.LSTM against torch.nn (hidden states, cell states
and gradients), with and without batch axis and initial states."""

import math

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn

torch = pytest.importorskip("torch")


def tensor(a):
    return torch.from_numpy(np.array(a, dtype=np.float32))


def torch_twin(layer):
    """The torch module computing the same function as layer.

    torch has an input and a hidden bias for every gate where MLX has one;
    the hidden bias is zero except for GRU's b_hn, which sits inside r * (.).
    """
    if isinstance(layer, nn.LSTM):
        H, D = layer.Wh.shape[1], layer.Wx.shape[1]
        t = torch.nn.LSTM(D, H, bias="bias" in layer, batch_first=True)
        weights = [layer.Wx, layer.Wh]
        biases = [layer.bias, mx.zeros((4 * H,))] if "bias" in layer else []
    elif isinstance(layer, nn.GRU):
        H, D = layer.Wh.shape[1], layer.Wx.shape[1]
        t = torch.nn.GRU(D, H, bias="b" in layer, batch_first=True)
        weights = [layer.Wx, layer.Wh]
        if "b" in layer:
            biases = [layer.b, mx.concatenate([mx.zeros((2 * H,)), layer.bhn])]
        else:
            biases = []
    else:
        H, D = layer.Whh.shape[0], layer.Wxh.shape[1]
        kind = "relu" if layer.nonlinearity is nn.relu else "tanh"
        t = torch.nn.RNN(
            D, H, nonlinearity=kind, bias="bias" in layer, batch_first=True
        )
        weights = [layer.Wxh, layer.Whh]
        biases = [layer.bias, mx.zeros((H,))] if "bias" in layer else []
    with torch.no_grad():
        t.weight_ih_l0.copy_(tensor(weights[0]))
        t.weight_hh_l0.copy_(tensor(weights[1]))
        if biases:
            t.bias_ih_l0.copy_(tensor(biases[0]))
            t.bias_hh_l0.copy_(tensor(biases[1]))
    return t


def torch_grads(t, layer):
    """torch parameter gradients in the layout of the mlx parameters."""
    g = {n: p.grad.numpy() for n, p in t.named_parameters()}
    if isinstance(layer, nn.RNN):
        out = {"Wxh": g["weight_ih_l0"], "Whh": g["weight_hh_l0"]}
        bias_name = "bias"
    else:
        out = {"Wx": g["weight_ih_l0"], "Wh": g["weight_hh_l0"]}
        bias_name = "b" if isinstance(layer, nn.GRU) else "bias"
    if "bias_ih_l0" in g:
        # d/d(input bias) is the same as d/d(hidden bias) except for b_hn.
        out[bias_name] = g["bias_ih_l0"]
        if isinstance(layer, nn.GRU):
            H = layer.Wh.shape[1]
            out["bhn"] = g["bias_hh_l0"][2 * H :]
    return out


def make_layer(kind, bias):
    if kind == "rnn":
        return nn.RNN(3, 5, bias=bias)
    if kind == "rnn_relu":
        return nn.RNN(3, 5, bias=bias, nonlinearity=nn.relu)
    if kind == "gru":
        return nn.GRU(3, 5, bias=bias)
    return nn.LSTM(3, 5, bias=bias)


@pytest.mark.parametrize("kind", ["rnn", "rnn_relu", "gru", "lstm"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_matches_torch(kind, bias, batched, with_state, rng):
    if kind == "rnn_relu" and not hasattr(nn, "relu"):
        pytest.skip("nn.relu not available yet")
    layer = make_layer(kind, bias)
    t = torch_twin(layer)
    lead = (2,) if batched else ()
    x = rng.standard_normal(lead + (6, 3)).astype(np.float32)
    h0 = rng.standard_normal(lead + (5,)).astype(np.float32) if with_state else None
    c0 = rng.standard_normal(lead + (5,)).astype(np.float32) if with_state else None
    is_lstm = kind == "lstm"

    def run(params, xm, *states):
        layer.update(params)
        return layer(xm, *states)

    states = []
    if with_state:
        states = [mx.array(h0)] + ([mx.array(c0)] if is_lstm else [])
    out = run(layer.trainable_parameters(), mx.array(x), *states)
    hs = out[0] if is_lstm else out

    xt = torch.from_numpy(x).requires_grad_(True)
    targs = []
    if with_state:
        th0 = torch.from_numpy(h0[None].copy())
        targs = [(th0, torch.from_numpy(c0[None].copy())) if is_lstm else th0]
    ths, tfinal = t(xt, *targs)
    np.testing.assert_allclose(np.array(hs), ths.detach().numpy(), atol=1e-5)
    if is_lstm:
        # torch only returns the last cell state.
        np.testing.assert_allclose(
            np.array(out[1][..., -1, :]), tfinal[1][0].detach().numpy(), atol=1e-5
        )

    cot = rng.standard_normal(hs.shape).astype(np.float32)

    def loss(params, xm):
        r = run(params, xm, *states)
        return ((r[0] if is_lstm else r) * mx.array(cot)).sum()

    grads, gx = mx.grad(loss, argnums=(0, 1))(layer.trainable_parameters(), mx.array(x))
    (ths * torch.from_numpy(cot)).sum().backward()
    np.testing.assert_allclose(np.array(gx), xt.grad.numpy(), atol=1e-5)
    expected = torch_grads(t, layer)
    assert sorted(grads) == sorted(expected)
    for name, g in grads.items():
        np.testing.assert_allclose(np.array(g), expected[name], atol=1e-5, err_msg=name)


def test_lstm_cell_states_follow_the_recurrence(rng):
    # Every returned cell state, against torch's LSTMCell stepped by hand.
    layer = nn.LSTM(4, 3)
    cell = torch.nn.LSTMCell(4, 3)
    with torch.no_grad():
        cell.weight_ih.copy_(tensor(layer.Wx))
        cell.weight_hh.copy_(tensor(layer.Wh))
        cell.bias_ih.copy_(tensor(layer.bias))
        cell.bias_hh.zero_()
    x = rng.standard_normal((2, 5, 4)).astype(np.float32)
    hs, cs = layer(mx.array(x))
    h = c = torch.zeros(2, 3)
    for step in range(5):
        h, c = cell(torch.from_numpy(x[:, step]), (h, c))
        np.testing.assert_allclose(np.array(hs[:, step]), h.detach().numpy(), atol=1e-5)
        np.testing.assert_allclose(np.array(cs[:, step]), c.detach().numpy(), atol=1e-5)


def test_parameters_and_init():
    mx.random.seed(0)
    H = 100
    for layer, shapes in (
        (nn.RNN(7, H), {"Wxh": (H, 7), "Whh": (H, H), "bias": (H,)}),
        (
            nn.GRU(7, H),
            {"Wx": (3 * H, 7), "Wh": (3 * H, H), "b": (3 * H,), "bhn": (H,)},
        ),
        (nn.LSTM(7, H), {"Wx": (4 * H, 7), "Wh": (4 * H, H), "bias": (4 * H,)}),
    ):
        params = layer.parameters()
        assert {k: v.shape for k, v in params.items()} == shapes
        for v in params.values():
            a = np.array(v)
            assert np.abs(a).max() <= 1 / math.sqrt(H)
            assert np.abs(a).max() > 0.9 / math.sqrt(H)
    assert sorted(nn.GRU(3, 4, bias=False).parameters()) == ["Wh", "Wx"]
    assert sorted(nn.LSTM(3, 4, bias=False).parameters()) == ["Wh", "Wx"]


def test_errors_and_repr():
    with pytest.raises(ValueError, match=r"\[RNN\]"):
        nn.RNN(3, 4, nonlinearity=3)
    for layer in (nn.RNN(3, 4), nn.GRU(3, 4), nn.LSTM(3, 4)):
        with pytest.raises(ValueError):
            layer(mx.ones((3,)))
        with pytest.raises(ValueError):
            layer(mx.ones((2, 5, 2)))
    assert repr(nn.GRU(3, 4)) == "GRU(input_dims=3, hidden_size=4, bias=True)"
    assert repr(nn.LSTM(3, 4, bias=False)) == (
        "LSTM(input_dims=3, hidden_size=4, bias=False)"
    )
