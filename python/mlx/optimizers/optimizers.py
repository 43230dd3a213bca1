"""The optimizers of mlx.optimizers.

Each class only says how one parameter is updated (``apply_single``) and
what state it needs (``init_single``); the tree walking, the step counter and
the schedules live in :class:`Optimizer`. Conventions shared by all:

* the learning rate is an array in ``state``; it is cast to the gradient's
  dtype so float16/bfloat16 parameters stay in their dtype;
* ``self.step`` is already advanced when ``apply_single`` runs, so it counts
  the current update from 1 (as bias corrections expect);
* a hyper-parameter given as a callable is a schedule of the step counter.
"""

from functools import partial
from typing import Callable, List, Union

import mlx.core as mx
from mlx.optimizers._base import MultiOptimizer, Optimizer, clip_grad_norm
from mlx.optimizers._matrix import Adafactor, Muon

__all__ = [
    "Optimizer",
    "SGD",
    "RMSprop",
    "Adagrad",
    "AdaDelta",
    "Adam",
    "AdamW",
    "Adamax",
    "Lion",
    "Adafactor",
    "Muon",
    "MultiOptimizer",
    "clip_grad_norm",
]

Schedulable = Union[float, Callable[[mx.array], mx.array]]


def _check_non_negative(owner: str, **values):
    for name, value in values.items():
        if not callable(value) and value < 0:
            raise ValueError(f"[{owner}] {name} must be non-negative, got {value}.")


def _check_betas(owner: str, betas):
    if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
        raise ValueError(f"[{owner}] betas must be two numbers in [0, 1), got {betas}.")


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum.

    .. math::

        v_{t+1} &= \mu v_t + (1 - \tau) g_t \\
        w_{t+1} &= w_t - \lambda v_{t+1}

    With weight decay :math:`g_t` is replaced by :math:`g_t + \text{wd}\, w_t`;
    with Nesterov momentum the step uses :math:`g_t + \mu v_{t+1}`.

    Args:
        learning_rate (float or callable): The learning rate :math:`\lambda`.
        momentum (float or callable, optional): The momentum :math:`\mu`.
            Default: ``0``.
        weight_decay (float or callable, optional): The L2 penalty.
            Default: ``0``.
        dampening (float, optional): The dampening :math:`\tau` of the
            momentum. Default: ``0``.
        nesterov (bool, optional): Use Nesterov momentum. Default: ``False``.
    """

    def __init__(
        self,
        learning_rate: Schedulable,
        momentum: Schedulable = 0.0,
        weight_decay: Schedulable = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
    ):
        _check_non_negative("SGD", momentum=momentum, weight_decay=weight_decay)
        if nesterov and (
            (not callable(momentum) and momentum <= 0) or dampening != 0
        ):
            raise ValueError(
                "[SGD] Nesterov momentum needs a positive momentum and zero dampening."
            )
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self._hyper_init("momentum", momentum)
        self._hyper_init("weight_decay", weight_decay)
        self.dampening = dampening
        self.nesterov = nesterov

    def init_single(self, parameter: mx.array, state: dict):
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        dtype = gradient.dtype
        lr = self.learning_rate.astype(dtype)
        if self._is_active("weight_decay"):
            gradient = gradient + self._hyper("weight_decay", dtype) * parameter
        if not self._is_active("momentum"):
            return parameter - lr * gradient

        momentum = self._hyper("momentum", dtype)
        v = momentum * state["v"] + (1 - self.dampening) * gradient
        state["v"] = v
        step = gradient + momentum * v if self.nesterov else v
        return parameter - lr * step


class RMSprop(Optimizer):
    r"""RMSprop: scale the step by a running RMS of the gradient.

    .. math::

        v_{t+1} &= \alpha v_t + (1 - \alpha) g_t^2 \\
        w_{t+1} &= w_t - \lambda \frac{g_t}{\sqrt{v_{t+1}} + \epsilon}

    Args:
        learning_rate (float or callable): The learning rate :math:`\lambda`.
        alpha (float, optional): The smoothing constant :math:`\alpha`.
            Default: ``0.99``.
        eps (float, optional): Added to the denominator for stability.
            Default: ``1e-8``.
    """

    def __init__(
        self, learning_rate: Schedulable, alpha: float = 0.99, eps: float = 1e-8
    ):
        _check_non_negative("RMSprop", alpha=alpha, eps=eps)
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.alpha = alpha
        self.eps = eps

    def init_single(self, parameter: mx.array, state: dict):
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        lr = self.learning_rate.astype(gradient.dtype)
        v = self.alpha * state["v"] + (1 - self.alpha) * mx.square(gradient)
        state["v"] = v
        return parameter - lr * gradient / (mx.sqrt(v) + self.eps)


class Adagrad(Optimizer):
    r"""Adagrad: scale the step by the root of the summed squared gradients.

    .. math::

        v_{t+1} &= v_t + g_t^2 \\
        w_{t+1} &= w_t - \lambda \frac{g_t}{\sqrt{v_{t+1}} + \epsilon}

    Args:
        learning_rate (float or callable): The learning rate :math:`\lambda`.
        eps (float, optional): Added to the denominator for stability.
            Default: ``1e-8``.
    """

    def __init__(self, learning_rate: Schedulable, eps: float = 1e-8):
        _check_non_negative("Adagrad", eps=eps)
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.eps = eps

    def init_single(self, parameter: mx.array, state: dict):
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        lr = self.learning_rate.astype(gradient.dtype)
        v = state["v"] + mx.square(gradient)
        state["v"] = v
        return parameter - lr * gradient / (mx.sqrt(v) + self.eps)


class AdaDelta(Optimizer):
    r"""AdaDelta: steps sized by running averages of squared steps and
    squared gradients.

    .. math::

        v_{t+1} &= \rho v_t + (1 - \rho) g_t^2 \\
        \Delta w_{t+1} &= \frac{\sqrt{u_t + \epsilon}}{\sqrt{v_{t+1} + \epsilon}} g_t \\
        u_{t+1} &= \rho u_t + (1 - \rho) \Delta w_{t+1}^2 \\
        w_{t+1} &= w_t - \lambda \Delta w_{t+1}

    Args:
        learning_rate (float or callable): The learning rate :math:`\lambda`.
        rho (float, optional): The averaging coefficient :math:`\rho`.
            Default: ``0.9``.
        eps (float, optional): The stabilizing term :math:`\epsilon`.
            Default: ``1e-6``.
    """

    def __init__(self, learning_rate: Schedulable, rho: float = 0.9, eps: float = 1e-6):
        _check_non_negative("AdaDelta", rho=rho, eps=eps)
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.rho = rho
        self.eps = eps

    def init_single(self, parameter: mx.array, state: dict):
        state["v"] = mx.zeros_like(parameter)
        state["u"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        lr = self.learning_rate.astype(gradient.dtype)
        rho, eps = self.rho, self.eps
        v = rho * state["v"] + (1 - rho) * mx.square(gradient)
        delta = mx.sqrt(state["u"] + eps) / mx.sqrt(v + eps) * gradient
        u = rho * state["u"] + (1 - rho) * mx.square(delta)
        state["v"] = v
        state["u"] = u
        return parameter - lr * delta


@partial(mx.compile, shapeless=True)
def _adam_update(parameter, gradient, m, v, lr, b1, b2, eps):
    # One fused kernel per parameter: the eager form is twelve passes over
    # it. The same operations in the same order, so the same values.
    m = b1 * m + (1 - b1) * gradient
    v = b2 * v + (1 - b2) * mx.square(gradient)
    return parameter - lr * m / (mx.sqrt(v) + eps), m, v


class Adam(Optimizer):
    r"""Adam: steps from running averages of the gradient and its square.

    .. math::

        m_{t+1} &= \beta_1 m_t + (1 - \beta_1) g_t \\
        v_{t+1} &= \beta_2 v_t + (1 - \beta_2) g_t^2 \\
        w_{t+1} &= w_t - \lambda \frac{m_{t+1}}{\sqrt{v_{t+1}} + \epsilon}

    With ``bias_correction`` the averages are divided by
    :math:`1 - \beta_1^t` and :math:`1 - \beta_2^t` (:math:`t` counts from 1).

    Args:
        learning_rate (float or callable): The learning rate :math:`\lambda`.
        betas (Tuple[float, float], optional): :math:`(\beta_1, \beta_2)`.
            Default: ``(0.9, 0.999)``.
        eps (float, optional): Added to the denominator. Default: ``1e-8``.
        bias_correction (bool, optional): Apply bias correction.
            Default: ``False``.
    """

    def __init__(
        self,
        learning_rate: Schedulable,
        betas: List[float] = [0.9, 0.999],
        eps: float = 1e-8,
        bias_correction: bool = False,
    ):
        _check_betas(type(self).__name__, betas)
        _check_non_negative(type(self).__name__, eps=eps)
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.betas = betas
        self.eps = eps
        self.bias_correction = bias_correction

    def init_single(self, parameter: mx.array, state: dict):
        state["m"] = mx.zeros_like(parameter)
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        dtype = gradient.dtype
        lr = self.learning_rate.astype(dtype)
        b1, b2 = self.betas
        if not self.bias_correction:
            parameter, state["m"], state["v"] = _adam_update(
                parameter, gradient, state["m"], state["v"], lr, b1, b2, self.eps
            )
            return parameter

        m = b1 * state["m"] + (1 - b1) * gradient
        v = b2 * state["v"] + (1 - b2) * mx.square(gradient)
        state["m"] = m
        state["v"] = v
        step = self.step.astype(mx.float32)
        m_scale = (lr / (1 - b1**step)).astype(dtype)
        v_scale = mx.rsqrt(1 - b2**step).astype(dtype)
        return parameter - m_scale * m / (mx.sqrt(v) * v_scale + self.eps)


class AdamW(Adam):
    r"""Adam with decoupled weight decay.

    .. math::

        m_{t+1} &= \beta_1 m_t + (1 - \beta_1) g_t \\
        v_{t+1} &= \beta_2 v_t + (1 - \beta_2) g_t^2 \\
        w_{t+1} &= w_t - \alpha \left(\frac{m_{t+1}}{\sqrt{v_{t+1}} + \epsilon}
            + \lambda w_t\right)

    Args:
        learning_rate (float or callable): The learning rate :math:`\alpha`.
        betas (Tuple[float, float], optional): :math:`(\beta_1, \beta_2)`.
            Default: ``(0.9, 0.999)``.
        eps (float, optional): Added to the denominator. Default: ``1e-8``.
        weight_decay (float or callable, optional): The decay :math:`\lambda`.
            Default: ``0.01``.
        bias_correction (bool, optional): Apply bias correction.
            Default: ``False``.
    """

    def __init__(
        self,
        learning_rate: Schedulable,
        betas: List[float] = [0.9, 0.999],
        eps: float = 1e-8,
        weight_decay: Schedulable = 0.01,
        bias_correction: bool = False,
    ):
        _check_non_negative("AdamW", weight_decay=weight_decay)
        super().__init__(
            learning_rate=learning_rate,
            betas=betas,
            eps=eps,
            bias_correction=bias_correction,
        )
        self._hyper_init("weight_decay", weight_decay)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        dtype = gradient.dtype
        if self._is_active("weight_decay"):
            lr = self.learning_rate.astype(dtype)
            decay = lr * self._hyper("weight_decay", dtype)
            parameter = parameter * (1 - decay)
        return super().apply_single(gradient, parameter, state)


class Adamax(Adam):
    r"""Adamax: Adam with the infinity norm in place of the second moment.

    .. math::

        m_{t+1} &= \beta_1 m_t + (1 - \beta_1) g_t \\
        v_{t+1} &= \max(\beta_2 v_t, |g_t|) \\
        w_{t+1} &= w_t - \lambda \frac{m_{t+1}}{v_{t+1} + \epsilon}

    No bias correction is applied.

    Args:
        learning_rate (float or callable): The learning rate :math:`\lambda`.
        betas (Tuple[float, float], optional): :math:`(\beta_1, \beta_2)`.
            Default: ``(0.9, 0.999)``.
        eps (float, optional): Added to the denominator. Default: ``1e-8``.
    """

    def __init__(
        self,
        learning_rate: Schedulable,
        betas: List[float] = [0.9, 0.999],
        eps: float = 1e-8,
    ):
        super().__init__(learning_rate=learning_rate, betas=betas, eps=eps)

    def init_single(self, parameter: mx.array, state: dict):
        state["m"] = mx.zeros_like(parameter)
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        lr = self.learning_rate.astype(gradient.dtype)
        b1, b2 = self.betas
        m = b1 * state["m"] + (1 - b1) * gradient
        v = mx.maximum(b2 * state["v"], mx.abs(gradient))
        state["m"] = m
        state["v"] = v
        return parameter - lr * m / (v + self.eps)


class Lion(Optimizer):
    r"""Lion: the step is the sign of an interpolated momentum.

    .. math::

        c_{t+1} &= \beta_1 m_t + (1 - \beta_1) g_t \\
        m_{t+1} &= \beta_2 m_t + (1 - \beta_2) g_t \\
        w_{t+1} &= w_t - \eta (\text{sign}(c_{t+1}) + \lambda w_t)

    Its steps are larger than those of Adam, so it usually wants a smaller
    learning rate and a larger weight decay.

    Args:
        learning_rate (float or callable): The learning rate :math:`\eta`.
        betas (Tuple[float, float], optional): :math:`(\beta_1, \beta_2)`.
            Default: ``(0.9, 0.99)``.
        weight_decay (float or callable, optional): The decay :math:`\lambda`.
            Default: ``0``.
    """

    def __init__(
        self,
        learning_rate: Schedulable,
        betas: List[float] = [0.9, 0.99],
        weight_decay: Schedulable = 0.0,
    ):
        _check_betas("Lion", betas)
        _check_non_negative("Lion", weight_decay=weight_decay)
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.betas = betas
        self._hyper_init("weight_decay", weight_decay)

    def init_single(self, parameter: mx.array, state: dict):
        state["m"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        dtype = gradient.dtype
        lr = self.learning_rate.astype(dtype)
        b1, b2 = self.betas
        m = state["m"]
        direction = b1 * m + (1 - b1) * gradient
        state["m"] = b2 * m + (1 - b2) * gradient
        if self._is_active("weight_decay"):
            parameter = parameter * (1 - lr * self._hyper("weight_decay", dtype))
        return parameter - lr * mx.sign(direction)
