"""Recurrent layers: Elman RNN, GRU and LSTM.

Inputs are ``NLD`` or ``LD`` (optional batch, sequence, features); the
layers return the hidden state after every step, ``NLH`` or ``LH``. The
input projection of all steps is one matmul before the loop over time;
a missing initial state means zeros.
"""

import math
from typing import Callable, Optional

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["RNN", "GRU", "LSTM"]


def _uniform(scale: float, shape):
    return mx.random.uniform(low=-scale, high=scale, shape=shape)


def _check_input(layer: str, x: mx.array, input_size: int):
    if x.ndim < 2 or x.shape[-1] != input_size:
        raise ValueError(
            f"[{layer}] Expected an input of shape (N, L, {input_size}) or "
            f"(L, {input_size}) but got {x.shape}."
        )


def _project(x: mx.array, weight: mx.array, bias: Optional[mx.array]):
    """x @ weight.T (+ bias)."""
    if bias is None:
        return x @ weight.T
    return mx.addmm(bias, x, weight.T)


def _initial_state(state, projected: mx.array, size: int):
    if state is not None:
        return state
    return mx.zeros(projected.shape[:-2] + (size,), dtype=projected.dtype)


class RNN(Module):
    r"""An Elman recurrent layer:
    :math:`h_{t+1} = \sigma(W_{ih} x_t + W_{hh} h_t + b)`.

    Args:
        input_size (int): Features ``D`` of the input.
        hidden_size (int): Size ``H`` of the hidden state.
        bias (bool): Learn the bias ``b``. Default: ``True``.
        nonlinearity (callable, optional): :math:`\sigma`; ``None`` means
            :func:`mlx.core.tanh`. Default: ``None``.

    Weights are uniform in :math:`[-1/\sqrt{H}, 1/\sqrt{H}]`. Call with
    ``x`` and an optional initial ``hidden`` state (``NH`` or ``H``).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: Optional[Callable] = None,
    ):
        super().__init__()
        if nonlinearity is None:
            nonlinearity = mx.tanh
        if not callable(nonlinearity):
            raise ValueError(
                f"[RNN] Nonlinearity must be callable. Current value: {nonlinearity}."
            )
        self.nonlinearity = nonlinearity
        self.hidden_size = hidden_size
        scale = 1.0 / math.sqrt(hidden_size)
        self.Wxh = _uniform(scale, (hidden_size, input_size))
        self.Whh = _uniform(scale, (hidden_size, hidden_size))
        if bias:
            self.bias = _uniform(scale, (hidden_size,))

    def _extra_repr(self):
        return (
            f"input_dims={self.Wxh.shape[1]}, hidden_size={self.hidden_size}, "
            f"nonlinearity={self.nonlinearity}, bias={'bias' in self}"
        )

    def __call__(self, x, hidden=None):
        _check_input("RNN", x, self.Wxh.shape[1])
        projected = _project(x, self.Wxh, self.get("bias"))
        hidden = _initial_state(hidden, projected, self.hidden_size)
        states = []
        for t in range(x.shape[-2]):
            hidden = self.nonlinearity(
                mx.addmm(projected[..., t, :], hidden, self.Whh.T)
            )
            states.append(hidden)
        return mx.stack(states, axis=-2)


class GRU(Module):
    r"""A gated recurrent unit layer. For each step:

    .. math::

        r_t &= \sigma(W_{xr} x_t + W_{hr} h_t + b_r) \\
        z_t &= \sigma(W_{xz} x_t + W_{hz} h_t + b_z) \\
        n_t &= \tanh(W_{xn} x_t + b_n + r_t \odot (W_{hn} h_t + b_{hn})) \\
        h_{t+1} &= (1 - z_t) \odot n_t + z_t \odot h_t

    The gate weights are stacked in the order r, z, n: ``Wx`` is
    ``(3H, D)``, ``Wh`` is ``(3H, H)``, ``b`` is ``(3H,)`` and ``bhn`` is
    ``(H,)``, all uniform in :math:`[-1/\sqrt{H}, 1/\sqrt{H}]`.

    Args:
        input_size (int): Features ``D`` of the input.
        hidden_size (int): Size ``H`` of the hidden state.
        bias (bool): Learn the biases. Default: ``True``.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        scale = 1.0 / math.sqrt(hidden_size)
        self.Wx = _uniform(scale, (3 * hidden_size, input_size))
        self.Wh = _uniform(scale, (3 * hidden_size, hidden_size))
        if bias:
            self.b = _uniform(scale, (3 * hidden_size,))
            self.bhn = _uniform(scale, (hidden_size,))

    def _extra_repr(self):
        return (
            f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, "
            f"bias={'b' in self}"
        )

    def __call__(self, x, hidden=None):
        _check_input("GRU", x, self.Wx.shape[1])
        H = self.hidden_size
        projected = _project(x, self.Wx, self.get("b"))
        hidden = _initial_state(hidden, projected, H)
        bhn = self.get("bhn")
        states = []
        for t in range(x.shape[-2]):
            step = projected[..., t, :]
            recurrent = hidden @ self.Wh.T
            rz = mx.sigmoid(step[..., : 2 * H] + recurrent[..., : 2 * H])
            r, z = rz[..., :H], rz[..., H:]
            hn = recurrent[..., 2 * H :]
            if bhn is not None:
                hn = hn + bhn
            n = mx.tanh(step[..., 2 * H :] + r * hn)
            hidden = (1 - z) * n + z * hidden
            states.append(hidden)
        return mx.stack(states, axis=-2)


class LSTM(Module):
    r"""A long short-term memory layer. For each step:

    .. math::

        i_t &= \sigma(W_{xi} x_t + W_{hi} h_t + b_i) \\
        f_t &= \sigma(W_{xf} x_t + W_{hf} h_t + b_f) \\
        g_t &= \tanh(W_{xg} x_t + W_{hg} h_t + b_g) \\
        o_t &= \sigma(W_{xo} x_t + W_{ho} h_t + b_o) \\
        c_{t+1} &= f_t \odot c_t + i_t \odot g_t \\
        h_{t+1} &= o_t \odot \tanh(c_{t+1})

    The gate weights are stacked in the order i, f, g, o: ``Wx`` is
    ``(4H, D)``, ``Wh`` is ``(4H, H)`` and ``bias`` is ``(4H,)``, all
    uniform in :math:`[-1/\sqrt{H}, 1/\sqrt{H}]`.

    Call with ``x`` and optional initial ``hidden`` and ``cell`` states;
    returns the hidden and cell states of every step, both ``NLH`` or ``LH``.

    Args:
        input_size (int): Features ``D`` of the input.
        hidden_size (int): Size ``H`` of the hidden and cell states.
        bias (bool): Learn the bias. Default: ``True``.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        scale = 1.0 / math.sqrt(hidden_size)
        self.Wx = _uniform(scale, (4 * hidden_size, input_size))
        self.Wh = _uniform(scale, (4 * hidden_size, hidden_size))
        if bias:
            self.bias = _uniform(scale, (4 * hidden_size,))

    def _extra_repr(self):
        return (
            f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, "
            f"bias={'bias' in self}"
        )

    def __call__(self, x, hidden=None, cell=None):
        _check_input("LSTM", x, self.Wx.shape[1])
        H = self.hidden_size
        projected = _project(x, self.Wx, self.get("bias"))
        hidden = _initial_state(hidden, projected, H)
        cell = _initial_state(cell, projected, H)
        hiddens, cells = [], []
        for t in range(x.shape[-2]):
            gates = mx.addmm(projected[..., t, :], hidden, self.Wh.T)
            i = mx.sigmoid(gates[..., :H])
            f = mx.sigmoid(gates[..., H : 2 * H])
            g = mx.tanh(gates[..., 2 * H : 3 * H])
            o = mx.sigmoid(gates[..., 3 * H :])
            cell = f * cell + i * g
            hidden = o * mx.tanh(cell)
            hiddens.append(hidden)
            cells.append(cell)
        return mx.stack(hiddens, axis=-2), mx.stack(cells, axis=-2)
