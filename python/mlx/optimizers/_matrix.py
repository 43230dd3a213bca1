"""Optimizers that treat parameters of 2 or more dimensions as matrices:
Adafactor (factored second moments) and Muon (orthogonalized momentum)."""

from typing import Callable, Optional, Tuple, Union

import mlx.core as mx
from mlx.optimizers._base import Optimizer

__all__ = ["Adafactor", "Muon"]

Schedulable = Union[float, Callable[[mx.array], mx.array]]


def _rms(x: mx.array) -> mx.array:
    return mx.sqrt(mx.mean(mx.square(x)))


class Adafactor(Optimizer):
    r"""Adafactor: Adam-like steps with sublinear memory.

    For parameters with two or more dimensions the running average of the
    squared gradient is stored as its row and column means only (per leading
    batch index) and rebuilt as their normalized outer product. Updates are
    clipped by their RMS, and the step size is by default relative: it
    decays as :math:`1/\sqrt{t}` and is scaled by the parameter's RMS
    (`Shazeer and Stern, 2018 <https://arxiv.org/abs/1804.04235>`_).

    Args:
        learning_rate (float or callable, optional): The learning rate, used
            only when ``relative_step`` is ``False``. Default: ``None``.
        eps (tuple(float, float), optional): :math:`\epsilon_1`, added to the
            squared gradient, and :math:`\epsilon_2`, the smallest parameter
            RMS used for scaling. Default: ``(1e-30, 1e-3)``.
        clip_threshold (float, optional): The largest RMS of the unscaled
            update. Default: ``1.0``.
        decay_rate (float, optional): The second-moment decay is
            :math:`1 - t^{\text{decay\_rate}}`. Default: ``-0.8``.
        beta_1 (float, optional): When given, the updates are averaged with
            this first-moment coefficient. Default: ``None``.
        weight_decay (float or callable, optional): The weight decay.
            Default: ``0.0``.
        scale_parameter (bool, optional): Scale the step size by
            :math:`\max(\epsilon_2, \text{RMS}(w_{t-1}))`. Default: ``True``.
        relative_step (bool, optional): Ignore ``learning_rate`` and use the
            relative step size :math:`\min(10^{-2}, 1/\sqrt{t})`.
            Default: ``True``.
        warmup_init (bool, optional): With a relative step, use
            :math:`\min(10^{-6} t, 1/\sqrt{t})` instead. Default: ``False``.
    """

    def __init__(
        self,
        learning_rate: Optional[Schedulable] = None,
        eps: Tuple[float, float] = (1e-30, 1e-3),
        clip_threshold: float = 1.0,
        decay_rate: float = -0.8,
        beta_1: Optional[float] = None,
        weight_decay: Schedulable = 0.0,
        scale_parameter: bool = True,
        relative_step: bool = True,
        warmup_init: bool = False,
    ):
        if learning_rate is None and not relative_step:
            raise ValueError(
                "[Adafactor] A learning_rate is required when relative_step is False."
            )
        if len(eps) != 2:
            raise ValueError(f"[Adafactor] eps must hold two numbers, got {eps}.")
        super().__init__()
        if learning_rate is not None:
            self._maybe_schedule("learning_rate", learning_rate)
        self.eps = eps
        self.clip_threshold = clip_threshold
        self.decay_rate = decay_rate
        self.beta_1 = beta_1
        self._hyper_init("weight_decay", weight_decay)
        self.scale_parameter = scale_parameter
        self.relative_step = relative_step
        self.warmup_init = warmup_init

    def init_single(self, parameter: mx.array, state: dict):
        if parameter.ndim >= 2:
            shape, dtype = parameter.shape, parameter.dtype
            state["exp_avg_sq_row"] = mx.zeros(shape[:-1], dtype=dtype)
            state["exp_avg_sq_col"] = mx.zeros(shape[:-2] + shape[-1:], dtype=dtype)
        else:
            state["exp_avg_sq"] = mx.zeros_like(parameter)
        if self.beta_1 is not None:
            state["exp_avg"] = mx.zeros_like(parameter)

    def _step_size(self, step: mx.array, parameter_rms: mx.array) -> mx.array:
        """The learning rate of this step for a parameter of the given RMS."""
        if self.relative_step:
            cap = 1e-6 * step if self.warmup_init else 1e-2
            size = mx.minimum(cap, mx.rsqrt(step))
        else:
            size = self.learning_rate
        size = size.astype(parameter_rms.dtype)
        if self.scale_parameter:
            size = mx.maximum(self.eps[1], parameter_rms) * size
        return size

    def _approximate_exp_moving_avg(
        self, exp_avg_sq_row: mx.array, exp_avg_sq_col: mx.array
    ) -> mx.array:
        """The inverse square root of the factored second moment.

        Row means are normalized by their mean, so the outer product of the
        factors has the scale of the full matrix of averages.
        """
        row_mean = mx.mean(exp_avg_sq_row, axis=-1, keepdims=True)
        row_factor = mx.rsqrt(exp_avg_sq_row / row_mean)
        col_factor = mx.rsqrt(exp_avg_sq_col)
        return mx.expand_dims(row_factor, -1) * mx.expand_dims(col_factor, -2)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        step = self.step.astype(mx.float32)
        parameter_rms = _rms(parameter)
        step_size = self._step_size(step, parameter_rms)
        beta_2 = (1.0 - step**self.decay_rate).astype(parameter_rms.dtype)

        squared = mx.square(gradient) + self.eps[0]
        if gradient.ndim >= 2:
            row = beta_2 * state["exp_avg_sq_row"] + (1 - beta_2) * squared.mean(-1)
            col = beta_2 * state["exp_avg_sq_col"] + (1 - beta_2) * squared.mean(-2)
            state["exp_avg_sq_row"] = row
            state["exp_avg_sq_col"] = col
            update = self._approximate_exp_moving_avg(row, col) * gradient
        else:
            avg = beta_2 * state["exp_avg_sq"] + (1 - beta_2) * squared
            state["exp_avg_sq"] = avg
            update = mx.rsqrt(avg) * gradient

        update = update / mx.maximum(1.0, _rms(update) / self.clip_threshold)
        update = step_size * update
        if self.beta_1 is not None:
            update = self.beta_1 * state["exp_avg"] + (1 - self.beta_1) * update
            state["exp_avg"] = update

        if self._is_active("weight_decay"):
            weight_decay = self._hyper("weight_decay", parameter.dtype)
            parameter = parameter - weight_decay * step_size * parameter
        return parameter - update


# Coefficients of the quintic Newton-Schulz iteration from the Muon write-up:
# chosen so that singular values are pushed quickly towards 1.
_NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


def _orthogonalize(matrix: mx.array, steps: int) -> mx.array:
    """Approximate the nearest semi-orthogonal matrix (U V^T of the SVD).

    Half-precision inputs are iterated in float32: the quintic amplifies
    rounding, and the matrices involved are small next to the model.
    """
    a, b, c = _NS_COEFFICIENTS
    x = matrix
    if x.dtype in (mx.float16, mx.bfloat16):
        x = x.astype(mx.float32)
    # Iterate on the wide orientation so X X^T is the smaller product.
    tall = x.shape[-2] > x.shape[-1]
    if tall:
        x = x.T
    x = x / (mx.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        poly = b * gram + c * (gram @ gram)
        x = a * x + poly @ x
    return x.T if tall else x


class Muon(Optimizer):
    r"""Muon: momentum whose update is orthogonalized by Newton-Schulz.

    For every parameter with two or more dimensions the (Nesterov) momentum
    is replaced by the nearest semi-orthogonal matrix, computed with a few
    Newton-Schulz iterations (`Jordan et al., 2024
    <https://kellerjordan.github.io/posts/muon/>`_). Parameters with more
    than two dimensions (convolution filters) are flattened to
    ``(shape[0], -1)`` first. 0-D and 1-D parameters get plain momentum
    steps; embeddings, output layers and vectors are usually better served
    by another optimizer such as :class:`AdamW` (see :class:`MultiOptimizer`).

    Args:
        learning_rate (float or callable): The learning rate.
        momentum (float or callable, optional): The momentum. Default: ``0.95``.
        weight_decay (float or callable, optional): The L2 penalty.
            Default: ``0.01``.
        nesterov (bool, optional): Use Nesterov momentum. Default: ``True``.
        ns_steps (int, optional): The number of Newton-Schulz iterations.
            Default: ``5``.
    """

    def __init__(
        self,
        learning_rate: Schedulable,
        momentum: Schedulable = 0.95,
        weight_decay: Schedulable = 0.01,
        nesterov: bool = True,
        ns_steps: int = 5,
    ):
        if ns_steps < 0:
            raise ValueError(f"[Muon] ns_steps must be non-negative, got {ns_steps}.")
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self._hyper_init("momentum", momentum)
        self._hyper_init("weight_decay", weight_decay)
        self.nesterov = nesterov
        self.ns_steps = ns_steps

    def init_single(self, parameter: mx.array, state: dict):
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        dtype = gradient.dtype
        if self._is_active("weight_decay"):
            gradient = gradient + self._hyper("weight_decay", dtype) * parameter

        momentum = self._hyper("momentum", dtype)
        v = momentum * state["v"] + (1 - momentum) * gradient
        state["v"] = v
        update = (1 - momentum) * gradient + momentum * v if self.nesterov else v

        lr = self.learning_rate.astype(dtype)
        if update.ndim >= 2:
            shape = update.shape
            matrix = update.reshape(shape[0], -1)
            update = _orthogonalize(matrix, self.ns_steps).reshape(shape)
            # Tall matrices have smaller orthogonalized entries; compensate.
            # Like the reference implementation, the ratio is read from the
            # last two axes of the parameter, also for flattened filters.
            lr = lr * max(1.0, shape[-2] / shape[-1]) ** 0.5
        return parameter - lr * update.astype(dtype)
