"""Loss functions.

Every loss takes a ``reduction`` of ``'none'`` (per-element losses), ``'mean'``
or ``'sum'``. Bad arguments raise ``ValueError`` tagged with the loss name.
"""

import math
from typing import Literal, Optional

import mlx.core as mx

Reduction = Literal["none", "mean", "sum"]

_REDUCTIONS = ("none", "mean", "sum")

__all__ = [
    "binary_cross_entropy",
    "cosine_similarity_loss",
    "cross_entropy",
    "gaussian_nll_loss",
    "hinge_loss",
    "huber_loss",
    "kl_div_loss",
    "l1_loss",
    "log_cosh_loss",
    "margin_ranking_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
    "triplet_loss",
]


# ---------------------------------------------------------------------------
# Shared checks
# ---------------------------------------------------------------------------


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"[{name}] Invalid reduction {reduction!r}. "
            f"Must be one of {_REDUCTIONS}."
        )


def _reduce(loss: mx.array, reduction: str) -> mx.array:
    if reduction == "mean":
        return mx.mean(loss)
    if reduction == "sum":
        return mx.sum(loss)
    return loss


def _check_same_shape(name: str, what: str, a: mx.array, b: mx.array, other: str):
    if a.shape != b.shape:
        raise ValueError(
            f"[{name}] {what} shape {a.shape} does not match {other} shape {b.shape}."
        )


def _check_broadcastable(name: str, *arrays: mx.array) -> None:
    """Losses that broadcast their arguments still reject incompatible shapes
    with a message naming the loss rather than the core op."""
    try:
        mx.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ValueError(
            f"[{name}] The argument shapes {shapes} cannot be broadcast together."
        ) from None


def _check_weights(name: str, weights: mx.array, loss: mx.array) -> None:
    if weights.shape != loss.shape:
        raise ValueError(
            f"[{name}] Weights with shape {weights.shape} do not match the "
            f"loss shape {loss.shape}."
        )


def _as_array(x) -> mx.array:
    return x if isinstance(x, mx.array) else mx.array(x)


# ---------------------------------------------------------------------------
# Classification losses
# ---------------------------------------------------------------------------


def cross_entropy(
    logits: mx.array,
    targets: mx.array,
    weights: Optional[mx.array] = None,
    axis: int = -1,
    label_smoothing: float = 0.0,
    reduction: Reduction = "none",
) -> mx.array:
    """Cross entropy between unnormalized ``logits`` and ``targets``.

    Args:
        logits (array): Unnormalized log probabilities.
        targets (array): Either class indices (the shape of ``logits`` without
            ``axis``) or per-class probabilities summing to one (the shape of
            ``logits``).
        weights (array, optional): Per-sample weights, shaped like the
            unreduced loss. Default: ``None``.
        axis (int, optional): The class axis. Default: ``-1``.
        label_smoothing (float, optional): Fraction in ``[0, 1)`` of the target
            mass spread uniformly over all classes. Default: ``0``.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'none'``.

    Returns:
        array: The cross entropy loss.
    """
    name = "cross_entropy"
    _check_reduction(name, reduction)
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(
            f"[{name}] Label smoothing must be in [0, 1), got {label_smoothing}."
        )
    logits, targets = _as_array(logits), _as_array(targets)
    ndim = logits.ndim
    if not -ndim <= axis < ndim:
        raise ValueError(f"[{name}] Invalid axis {axis} for logits of rank {ndim}.")
    axis = axis % ndim

    probabilities = targets.ndim == ndim
    if probabilities:
        expected = logits.shape
    else:
        expected = logits.shape[:axis] + logits.shape[axis + 1 :]
    if targets.shape != expected:
        raise ValueError(
            f"[{name}] Targets shape {targets.shape} does not match logits "
            f"shape {logits.shape}."
        )

    # Work relative to the per-row maximum: for targets that sum to one the
    # loss only depends on gaps between logits, and this keeps huge logits
    # (1e20) from swamping the log-sum-exp in float32. The shift is a constant
    # for autodiff; -inf maxima (all classes masked) are not shifted.
    row_max = mx.stop_gradient(mx.max(logits, axis=axis, keepdims=True))
    row_max = mx.where(mx.isinf(row_max), mx.zeros_like(row_max), row_max)
    shifted = logits - row_max
    log_normalizer = mx.logsumexp(shifted, axis=axis)

    if probabilities:
        score = mx.sum(shifted * targets, axis=axis)
    else:
        picked = mx.take_along_axis(shifted, mx.expand_dims(targets, axis), axis=axis)
        score = mx.squeeze(picked, axis=axis)

    if label_smoothing > 0:
        # Smoothed targets (1 - s) * t + s / C: the uniform part scores the mean.
        uniform_score = mx.mean(shifted, axis=axis)
        score = (1.0 - label_smoothing) * score + label_smoothing * uniform_score

    loss = log_normalizer - score

    if weights is not None:
        weights = _as_array(weights)
        _check_weights(name, weights, loss)
        loss = loss * weights
    return _reduce(loss, reduction)


def binary_cross_entropy(
    inputs: mx.array,
    targets: mx.array,
    weights: Optional[mx.array] = None,
    with_logits: bool = True,
    reduction: Reduction = "mean",
) -> mx.array:
    """Binary cross entropy.

    Args:
        inputs (array): Logits when ``with_logits`` is ``True``, otherwise
            probabilities in ``[0, 1]``.
        targets (array): Targets in ``{0, 1}`` (or soft targets in ``[0, 1]``).
        weights (array, optional): Per-element weights shaped like the loss.
            Default: ``None``.
        with_logits (bool, optional): Whether ``inputs`` are logits.
            Default: ``True``.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'mean'``.

    Returns:
        array: The binary cross entropy loss. With probabilities, each log
        term is clipped below at ``-100`` so saturated inputs stay finite.
    """
    name = "binary_cross_entropy"
    _check_reduction(name, reduction)
    inputs, targets = _as_array(inputs), _as_array(targets)
    _check_same_shape(name, "Inputs", inputs, targets, "targets")

    if with_logits:
        # -t log(sigmoid(x)) - (1 - t) log(1 - sigmoid(x)) = log(1 + e^x) - t x
        loss = mx.logaddexp(mx.zeros_like(inputs), inputs) - inputs * targets
    else:
        log_p = mx.maximum(mx.log(inputs), -100.0)
        log_not_p = mx.maximum(mx.log1p(-inputs), -100.0)
        loss = -(targets * log_p + (1 - targets) * log_not_p)

    if weights is not None:
        weights = _as_array(weights)
        _check_weights(name, weights, loss)
        loss = loss * weights
    return _reduce(loss, reduction)


def nll_loss(
    inputs: mx.array,
    targets: mx.array,
    axis: int = -1,
    reduction: Reduction = "none",
) -> mx.array:
    """Negative log likelihood of class indices under log probabilities.

    Args:
        inputs (array): Log probabilities.
        targets (array): Class indices, shaped like ``inputs`` without ``axis``.
        axis (int, optional): The class axis. Default: ``-1``.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'none'``.

    Returns:
        array: The NLL loss.
    """
    name = "nll_loss"
    _check_reduction(name, reduction)
    inputs, targets = _as_array(inputs), _as_array(targets)
    ndim = inputs.ndim
    if not -ndim <= axis < ndim:
        raise ValueError(f"[{name}] Invalid axis {axis} for inputs of rank {ndim}.")
    axis = axis % ndim
    expected = inputs.shape[:axis] + inputs.shape[axis + 1 :]
    if targets.shape != expected:
        raise ValueError(
            f"[{name}] Targets shape {targets.shape} does not match inputs "
            f"shape {inputs.shape} without axis {axis}."
        )
    picked = mx.take_along_axis(inputs, mx.expand_dims(targets, axis), axis=axis)
    return _reduce(-mx.squeeze(picked, axis=axis), reduction)


def kl_div_loss(
    inputs: mx.array,
    targets: mx.array,
    axis: int = -1,
    reduction: Reduction = "none",
) -> mx.array:
    """Kullback-Leibler divergence KL(targets || inputs).

    Both arguments are log probabilities; the unreduced loss is
    ``sum(exp(targets) * (targets - inputs), axis)``.

    Args:
        inputs (array): Log probabilities of the predicted distribution.
        targets (array): Log probabilities of the target distribution.
        axis (int, optional): The distribution axis. Default: ``-1``.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'none'``.

    Returns:
        array: The KL divergence loss.
    """
    name = "kl_div_loss"
    _check_reduction(name, reduction)
    inputs, targets = _as_array(inputs), _as_array(targets)
    _check_broadcastable(name, inputs, targets)
    loss = mx.sum(mx.exp(targets) * (targets - inputs), axis=axis)
    return _reduce(loss, reduction)


def hinge_loss(
    inputs: mx.array, targets: mx.array, reduction: Reduction = "none"
) -> mx.array:
    """Hinge loss ``max(0, 1 - targets * inputs)``.

    Args:
        inputs (array): Predicted scores.
        targets (array): Labels, ``-1`` or ``1``.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'none'``.

    Returns:
        array: The hinge loss.
    """
    name = "hinge_loss"
    _check_reduction(name, reduction)
    inputs, targets = _as_array(inputs), _as_array(targets)
    _check_broadcastable(name, inputs, targets)
    loss = mx.maximum(1 - inputs * targets, 0)
    return _reduce(loss, reduction)


def margin_ranking_loss(
    inputs1: mx.array,
    inputs2: mx.array,
    targets: mx.array,
    margin: float = 0.0,
    reduction: Reduction = "none",
) -> mx.array:
    """Margin ranking loss ``max(0, -targets * (inputs1 - inputs2) + margin)``.

    Args:
        inputs1 (array): Scores of the first items.
        inputs2 (array): Scores of the second items.
        targets (array): ``1`` where ``inputs1`` should rank higher, ``-1``
            where ``inputs2`` should.
        margin (float, optional): Required separation. Default: ``0.0``.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'none'``.

    Returns:
        array: The margin ranking loss.
    """
    name = "margin_ranking_loss"
    _check_reduction(name, reduction)
    inputs1, inputs2, targets = map(_as_array, (inputs1, inputs2, targets))
    if not (inputs1.shape == inputs2.shape == targets.shape):
        raise ValueError(
            f"[{name}] The argument shapes must match, got inputs1 "
            f"{inputs1.shape}, inputs2 {inputs2.shape} and targets {targets.shape}."
        )
    loss = mx.maximum(margin - targets * (inputs1 - inputs2), 0)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------
# Regression losses
# ---------------------------------------------------------------------------


def mse_loss(
    predictions: mx.array, targets: mx.array, reduction: Reduction = "mean"
) -> mx.array:
    """Mean squared error.

    Args:
        predictions (array): Predicted values.
        targets (array): Target values, the same shape as ``predictions``.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'mean'``.

    Returns:
        array: The squared error loss.
    """
    name = "mse_loss"
    _check_reduction(name, reduction)
    predictions, targets = _as_array(predictions), _as_array(targets)
    _check_same_shape(name, "Predictions", predictions, targets, "targets")
    return _reduce(mx.square(predictions - targets), reduction)


def l1_loss(
    predictions: mx.array, targets: mx.array, reduction: Reduction = "mean"
) -> mx.array:
    """Absolute error.

    Args:
        predictions (array): Predicted values.
        targets (array): Target values, the same shape as ``predictions``.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'mean'``.

    Returns:
        array: The L1 loss.
    """
    name = "l1_loss"
    _check_reduction(name, reduction)
    predictions, targets = _as_array(predictions), _as_array(targets)
    _check_same_shape(name, "Predictions", predictions, targets, "targets")
    return _reduce(mx.abs(predictions - targets), reduction)


def smooth_l1_loss(
    predictions: mx.array,
    targets: mx.array,
    beta: float = 1.0,
    reduction: Reduction = "mean",
) -> mx.array:
    """Smooth L1 loss: quadratic below ``beta``, linear above.

    ``0.5 * d**2 / beta`` where ``|d| < beta``, otherwise ``|d| - 0.5 * beta``,
    with ``d = predictions - targets``.

    Args:
        predictions (array): Predicted values.
        targets (array): Target values, the same shape as ``predictions``.
        beta (float, optional): The switch point, ``>= 0``; ``0`` gives the L1
            loss. Default: ``1.0``.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'mean'``.

    Returns:
        array: The smooth L1 loss.
    """
    name = "smooth_l1_loss"
    _check_reduction(name, reduction)
    if beta < 0:
        raise ValueError(f"[{name}] beta must be non-negative, got {beta}.")
    predictions, targets = _as_array(predictions), _as_array(targets)
    _check_same_shape(name, "Predictions", predictions, targets, "targets")
    diff = mx.abs(predictions - targets)
    if beta == 0:
        # The quadratic branch is empty; avoid a 0/0 in its gradient.
        return _reduce(diff, reduction)
    loss = mx.where(diff < beta, 0.5 * mx.square(diff) / beta, diff - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(
    inputs: mx.array,
    targets: mx.array,
    delta: float = 1.0,
    reduction: Reduction = "none",
) -> mx.array:
    """Huber loss: ``0.5 * a**2`` for ``|a| <= delta``, else
    ``delta * (|a| - 0.5 * delta)``, with ``a = inputs - targets``.

    Args:
        inputs (array): Predicted values.
        targets (array): Target values.
        delta (float, optional): The switch point. Default: ``1.0``.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'none'``.

    Returns:
        array: The Huber loss.
    """
    name = "huber_loss"
    _check_reduction(name, reduction)
    inputs, targets = _as_array(inputs), _as_array(targets)
    _check_broadcastable(name, inputs, targets)
    abs_err = mx.abs(inputs - targets)
    # Split |a| into the part inside [0, delta] and the excess beyond it; no
    # branch, so the gradient is continuous at |a| = delta.
    inside = mx.minimum(abs_err, delta)
    excess = abs_err - inside
    loss = 0.5 * mx.square(inside) + delta * excess
    return _reduce(loss, reduction)


def log_cosh_loss(
    inputs: mx.array, targets: mx.array, reduction: Reduction = "none"
) -> mx.array:
    """Log-cosh loss ``log(cosh(inputs - targets))``.

    Args:
        inputs (array): Predicted values.
        targets (array): Target values.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'none'``.

    Returns:
        array: The log-cosh loss.
    """
    name = "log_cosh_loss"
    _check_reduction(name, reduction)
    inputs, targets = _as_array(inputs), _as_array(targets)
    _check_broadcastable(name, inputs, targets)
    err = inputs - targets
    # log(cosh(a)) = log(e^a + e^-a) - log 2, which cannot overflow.
    loss = mx.logaddexp(err, -err) - math.log(2.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    inputs: mx.array,
    targets: mx.array,
    vars: mx.array,
    full: bool = False,
    eps: float = 1e-6,
    reduction: Reduction = "mean",
) -> mx.array:
    """Negative log likelihood of ``targets`` under ``N(inputs, vars)``.

    The unreduced loss is ``0.5 * (log(v) + (inputs - targets)**2 / v)`` with
    ``v = max(vars, eps)``, plus ``0.5 * log(2 pi)`` when ``full``.

    Args:
        inputs (array): Predicted means.
        targets (array): Observed samples, the same shape as ``inputs``.
        vars (array): Predicted variances, the same shape as ``inputs``.
        full (bool, optional): Include the constant term. Default: ``False``.
        eps (float, optional): Lower bound on the variance. Default: ``1e-6``.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'mean'``.

    Returns:
        array: The Gaussian NLL loss.
    """
    name = "gaussian_nll_loss"
    _check_reduction(name, reduction)
    inputs, targets, vars = map(_as_array, (inputs, targets, vars))
    _check_same_shape(name, "Inputs", inputs, targets, "targets")
    _check_same_shape(name, "Inputs", inputs, vars, "vars")
    vars = mx.maximum(vars, eps)
    loss = 0.5 * (mx.log(vars) + mx.square(targets - inputs) / vars)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------
# Embedding losses
# ---------------------------------------------------------------------------


def cosine_similarity_loss(
    x1: mx.array,
    x2: mx.array,
    axis: int = 1,
    eps: float = 1e-8,
    reduction: Reduction = "none",
) -> mx.array:
    """Cosine similarity ``x1 . x2 / max(|x1| |x2|, eps)`` along ``axis``.

    Args:
        x1 (array): First embeddings.
        x2 (array): Second embeddings.
        axis (int, optional): The embedding axis. Default: ``1``.
        eps (float, optional): Lower bound on the denominator. Default: ``1e-8``.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'none'``.

    Returns:
        array: The cosine similarity.
    """
    name = "cosine_similarity_loss"
    _check_reduction(name, reduction)
    x1, x2 = _as_array(x1), _as_array(x2)
    _check_broadcastable(name, x1, x2)
    dot = mx.sum(x1 * x2, axis=axis)
    norm1 = mx.sqrt(mx.sum(mx.square(x1), axis=axis))
    norm2 = mx.sqrt(mx.sum(mx.square(x2), axis=axis))
    loss = dot / mx.maximum(norm1 * norm2, eps)
    return _reduce(loss, reduction)


def triplet_loss(
    anchors: mx.array,
    positives: mx.array,
    negatives: mx.array,
    axis: int = -1,
    p: int = 2,
    margin: float = 1.0,
    eps: float = 1e-6,
    reduction: Reduction = "none",
) -> mx.array:
    """Triplet margin loss ``max(|A - P|_p - |A - N|_p + margin, 0)``.

    The distance is ``(sum(|x|**p, axis) + eps) ** (1 / p)``; ``eps`` keeps
    the gradient finite when two samples coincide.

    Args:
        anchors (array): Anchor samples.
        positives (array): Samples of the anchor's class.
        negatives (array): Samples of other classes.
        axis (int, optional): The embedding axis. Default: ``-1``.
        p (int, optional): Norm degree. Default: ``2``.
        margin (float, optional): Required separation. Default: ``1.0``.
        eps (float, optional): Added to the p-norm sum. Default: ``1e-6``.
        reduction (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.
            Default: ``'none'``.

    Returns:
        array: The triplet loss, with ``axis`` removed when unreduced.
    """
    name = "triplet_loss"
    _check_reduction(name, reduction)
    if p <= 0:
        raise ValueError(f"[{name}] The norm degree p must be positive, got {p}.")
    anchors, positives, negatives = map(_as_array, (anchors, positives, negatives))
    _check_broadcastable(name, anchors, positives, negatives)

    def distance(a, b):
        total = mx.sum(mx.power(mx.abs(a - b), p), axis=axis) + eps
        return mx.sqrt(total) if p == 2 else mx.power(total, 1.0 / p)

    gap = distance(anchors, positives) - distance(anchors, negatives)
    loss = mx.maximum(gap + margin, 0)
    return _reduce(loss, reduction)
