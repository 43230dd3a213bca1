"""mlx.nn.losses against torch.nn.functional, float64 numpy and finite differences."""

import math

import numpy as np
import pytest
from oracle import assert_close

import mlx.core as mx
import mlx.nn as nn

torch = pytest.importorskip("torch")
F = torch.nn.functional
L = nn.losses

REDUCTIONS = ["none", "mean", "sum"]


def f32(x):
    return mx.array(np.asarray(x, dtype=np.float32))


def f64(x):
    # numpy float64 alone would be narrowed to float32, as in MLX.
    return mx.array(np.asarray(x, dtype=np.float64), dtype=mx.float64)


def tt(x):
    """float64 torch tensor (or int64 for index arrays)."""
    x = np.asarray(x)
    return torch.from_numpy(x.astype(np.int64 if x.dtype.kind in "iu" else np.float64))


def check(got, want, rtol=2e-5, atol=2e-6):
    want = want.numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
    assert tuple(got.shape) == want.shape
    assert_close(got, want.astype(np.float32), rtol=rtol, atol=atol)


def np_reduce(x, reduction):
    return {"none": x, "mean": np.mean(x), "sum": np.sum(x)}[reduction]


# ---------------------------------------------------------------------------
# Values against torch / numpy, every reduction
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
def test_cross_entropy_indices(rng, reduction, label_smoothing):
    logits = rng.standard_normal((6, 5)) * 3
    targets = rng.integers(0, 5, size=6)
    got = L.cross_entropy(
        f32(logits), mx.array(targets), label_smoothing=label_smoothing,
        reduction=reduction,
    )
    want = F.cross_entropy(tt(logits), tt(targets), label_smoothing=label_smoothing,
                           reduction=reduction)
    check(got, want)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_probabilities(rng, label_smoothing):
    logits = rng.standard_normal((4, 7)) * 2
    probs = rng.dirichlet(np.ones(7), size=4)
    got = L.cross_entropy(f32(logits), f32(probs), label_smoothing=label_smoothing)
    want = F.cross_entropy(tt(logits), tt(probs), label_smoothing=label_smoothing,
                           reduction="none")
    check(got, want)


def test_cross_entropy_axis_and_batch_dims(rng):
    # torch puts classes on dim 1; ours may sit anywhere.
    logits = rng.standard_normal((2, 5, 3))
    targets = rng.integers(0, 5, size=(2, 3))
    want = F.cross_entropy(tt(logits), tt(targets), reduction="none")
    check(L.cross_entropy(f32(logits), mx.array(targets), axis=1), want)
    moved = np.moveaxis(logits, 1, -1)
    check(L.cross_entropy(f32(moved), mx.array(targets)), want)


def test_cross_entropy_weights(rng):
    logits = rng.standard_normal((5, 4))
    targets = rng.integers(0, 4, size=5)
    weights = rng.uniform(0.5, 2.0, size=5)
    base = F.cross_entropy(tt(logits), tt(targets), reduction="none").numpy()
    for reduction in REDUCTIONS:
        got = L.cross_entropy(f32(logits), mx.array(targets), weights=f32(weights),
                              reduction=reduction)
        check(got, np_reduce(base * weights, reduction))


def test_cross_entropy_is_shift_invariant_and_stable():
    base = np.array([[2.0, -1.0, 0.5]])
    targets = mx.array([0])
    want = F.cross_entropy(tt(base), tt([0]), reduction="none")
    for offset in [0.0, 1e4, 1e6]:
        check(L.cross_entropy(f32(base + offset), targets), want, atol=1e-5)
    # Equal logits of any size: log(n).
    for v in [1.0, 1e8, 1e30]:
        got = L.cross_entropy(f32([[v, v, v, v]]), targets)
        check(got, [math.log(4)])
        got = L.cross_entropy(f32([[v, v, v, v]]), f32([[0.25] * 4]))
        check(got, [math.log(4)])
    # Masked classes (-inf logits) contribute nothing.
    got = L.cross_entropy(f32([[0.0, -np.inf], [-np.inf, 0.0]]), mx.array([0, 1]))
    check(got, [0.0, 0.0])


def test_cross_entropy_keeps_half_precision(rng):
    logits = rng.standard_normal((3, 4))
    targets = mx.array([0, 3, 1])
    got = L.cross_entropy(f32(logits).astype(mx.bfloat16), targets)
    assert got.dtype == mx.bfloat16
    want = F.cross_entropy(tt(logits), tt([0, 3, 1]), reduction="none")
    check(got.astype(mx.float32), want, rtol=3e-2, atol=3e-2)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_logits(rng, reduction):
    x = rng.standard_normal((4, 3)) * 4
    t = rng.integers(0, 2, size=(4, 3)).astype(np.float64)
    w = rng.uniform(0.1, 2.0, size=(4, 3))
    got = L.binary_cross_entropy(f32(x), f32(t), reduction=reduction)
    check(got, F.binary_cross_entropy_with_logits(tt(x), tt(t), reduction=reduction))
    got = L.binary_cross_entropy(f32(x), f32(t), weights=f32(w), reduction=reduction)
    want = F.binary_cross_entropy_with_logits(tt(x), tt(t), weight=tt(w),
                                              reduction=reduction)
    check(got, want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_probabilities(rng, reduction):
    p = rng.uniform(0.01, 0.99, size=(5, 2))
    # Soft targets are allowed too.
    t = rng.uniform(0, 1, size=(5, 2))
    got = L.binary_cross_entropy(f32(p), f32(t), with_logits=False, reduction=reduction)
    check(got, F.binary_cross_entropy(tt(p), tt(t), reduction=reduction))


def test_binary_cross_entropy_saturation():
    # Huge logits: log(1 + e^x) must not overflow.
    x = np.array([-200.0, -50.0, 0.0, 50.0, 200.0])
    t = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    got = L.binary_cross_entropy(f32(x), f32(t), reduction="none")
    check(got, F.binary_cross_entropy_with_logits(tt(x), tt(t), reduction="none"))
    # Probabilities of exactly 0 and 1: each log term is clipped at -100.
    p = np.array([0.0, 1.0, 0.0, 1.0])
    t = np.array([1.0, 0.0, 0.0, 1.0])
    got = L.binary_cross_entropy(f32(p), f32(t), with_logits=False, reduction="none")
    check(got, [100.0, 100.0, 0.0, 0.0])
    # Tiny probabilities: log1p keeps log(1 - p) accurate.
    got = L.binary_cross_entropy(f32([1e-7]), f32([0.0]), with_logits=False)
    assert_close(got, np.float32(-np.log1p(-np.float32(1e-7))), rtol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(rng, reduction):
    logp = np.log(rng.dirichlet(np.ones(6), size=5))
    targets = rng.integers(0, 6, size=5)
    got = L.nll_loss(f32(logp), mx.array(targets), reduction=reduction)
    check(got, F.nll_loss(tt(logp), tt(targets), reduction=reduction))
    got = L.nll_loss(f32(logp.T), mx.array(targets), axis=0, reduction=reduction)
    check(got, F.nll_loss(tt(logp), tt(targets), reduction=reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_kl_div_loss(rng, reduction):
    p = np.log(rng.dirichlet(np.ones(4), size=3))
    q = np.log(rng.dirichlet(np.ones(4), size=3))
    per_row = F.kl_div(tt(p), tt(q), log_target=True, reduction="none").sum(-1)
    got = L.kl_div_loss(f32(p), f32(q), reduction=reduction)
    check(got, np_reduce(per_row.numpy(), reduction))
    got = L.kl_div_loss(f32(p.T), f32(q.T), axis=0)
    check(got, per_row)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(rng, reduction):
    x = rng.standard_normal((4, 5)) * 2
    y = rng.standard_normal((4, 5)) * 2
    X, Y, tx, ty = f32(x), f32(y), tt(x), tt(y)
    got = L.mse_loss(X, Y, reduction=reduction)
    check(got, F.mse_loss(tx, ty, reduction=reduction))
    got = L.l1_loss(X, Y, reduction=reduction)
    check(got, F.l1_loss(tx, ty, reduction=reduction))
    for beta in [0.0, 0.5, 1.0, 3.0]:
        got = L.smooth_l1_loss(X, Y, beta=beta, reduction=reduction)
        check(got, F.smooth_l1_loss(tx, ty, beta=beta, reduction=reduction))
    for delta in [0.5, 1.0, 2.5]:
        got = L.huber_loss(X, Y, delta=delta, reduction=reduction)
        check(got, F.huber_loss(tx, ty, delta=delta, reduction=reduction))
    got = L.log_cosh_loss(X, Y, reduction=reduction)
    check(got, np_reduce(np.log(np.cosh(x - y)), reduction))


def test_log_cosh_large_errors():
    # cosh(100) overflows float32; the loss is |a| - log 2 there.
    a = np.array([-100.0, -30.0, 1e-3, 30.0, 100.0])
    got = L.log_cosh_loss(f32(a), f32(np.zeros(5)))
    want = np.abs(a) + np.log1p(np.exp(-2 * np.abs(a))) - np.log(2)
    check(got, want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss(rng, reduction, full):
    mu = rng.standard_normal((3, 4))
    y = rng.standard_normal((3, 4))
    var = rng.uniform(1e-8, 2.0, size=(3, 4))
    var[0, 0] = 0.0  # clamped to eps
    got = L.gaussian_nll_loss(f32(mu), f32(y), f32(var), full=full, eps=1e-3,
                              reduction=reduction)
    want = F.gaussian_nll_loss(tt(mu), tt(y), tt(var), full=full, eps=1e-3,
                               reduction=reduction)
    check(got, want, rtol=5e-5, atol=2e-5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_and_margin_ranking(rng, reduction):
    x = rng.standard_normal((6,)) * 2
    y = rng.choice([-1.0, 1.0], size=6)
    got = L.hinge_loss(f32(x), f32(y), reduction=reduction)
    check(got, np_reduce(np.maximum(0, 1 - x * y), reduction))
    x2 = rng.standard_normal((6,))
    for margin in [0.0, 0.7]:
        got = L.margin_ranking_loss(f32(x), f32(x2), f32(y), margin=margin,
                                    reduction=reduction)
        want = F.margin_ranking_loss(tt(x), tt(x2), tt(y), margin=margin,
                                     reduction=reduction)
        check(got, want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("axis", [1, 0, -1])
def test_cosine_similarity_loss(rng, reduction, axis):
    a = rng.standard_normal((4, 6))
    b = rng.standard_normal((4, 6))
    got = L.cosine_similarity_loss(f32(a), f32(b), axis=axis, reduction=reduction)
    want = F.cosine_similarity(tt(a), tt(b), dim=axis)
    check(got, np_reduce(want.numpy(), reduction))
    # Zero vectors: the eps floor makes the similarity 0 instead of NaN.
    got = L.cosine_similarity_loss(mx.zeros((2, 3)), f32(a[:2, :3]))
    check(got, [0.0, 0.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2, 3])
def test_triplet_loss(rng, reduction, p):
    a, pos, neg = (rng.standard_normal((5, 4)) for _ in range(3))
    eps, margin = 1e-6, 0.8

    def dist(u, v):
        return (np.sum(np.abs(u - v) ** p, axis=-1) + eps) ** (1 / p)

    want = np.maximum(dist(a, pos) - dist(a, neg) + margin, 0)
    got = L.triplet_loss(f32(a), f32(pos), f32(neg), p=p, margin=margin,
                         reduction=reduction)
    check(got, np_reduce(want, reduction))
    # Along another axis.
    got = L.triplet_loss(f32(a.T), f32(pos.T), f32(neg.T), axis=0, p=p, margin=margin)
    check(got, want)


# ---------------------------------------------------------------------------
# Gradients against central finite differences (float64)
# ---------------------------------------------------------------------------

GRAD_CASES = {
    "cross_entropy_indices": lambda x, r: L.cross_entropy(
        x, mx.array(r.integers(0, 4, size=3)), label_smoothing=0.2, reduction="sum"
    ),
    "cross_entropy_probs": lambda x, r: L.cross_entropy(
        x, f64(r.dirichlet(np.ones(4), size=3)), reduction="mean"
    ),
    "bce_logits": lambda x, r: L.binary_cross_entropy(
        x * 5, f64(r.integers(0, 2, size=(3, 4))), reduction="sum"
    ),
    "bce_probs": lambda x, r: L.binary_cross_entropy(
        mx.sigmoid(x), f64(r.uniform(size=(3, 4))), with_logits=False
    ),
    "huber": lambda x, r: L.huber_loss(x * 3, f64(r.standard_normal((3, 4))),
                                       reduction="sum"),
    "log_cosh": lambda x, r: L.log_cosh_loss(x * 3, f64(r.standard_normal((3, 4))),
                                             reduction="sum"),
    "smooth_l1": lambda x, r: L.smooth_l1_loss(x * 3, f64(r.standard_normal((3, 4))),
                                               beta=0.7),
    "gaussian_nll": lambda x, r: L.gaussian_nll_loss(
        x, f64(r.standard_normal((3, 4))), mx.exp(x)
    ),
    "cosine": lambda x, r: L.cosine_similarity_loss(
        x, f64(r.standard_normal((3, 4))), reduction="sum"
    ),
    "triplet": lambda x, r: L.triplet_loss(
        x, f64(r.standard_normal((3, 4))), f64(r.standard_normal((3, 4))),
        margin=10.0, reduction="sum",
    ),
    "kl_div": lambda x, r: L.kl_div_loss(
        x, f64(np.log(r.dirichlet(np.ones(4), size=3))), reduction="sum"
    ),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradient_matches_finite_differences(name):
    fn = GRAD_CASES[name]
    x0 = np.random.default_rng(7).standard_normal((3, 4))

    def loss(x):
        # A fresh generator each call, so the other arguments stay fixed.
        return fn(x, np.random.default_rng(11))

    grad = np.array(mx.grad(loss)(f64(x0)))
    numeric = np.zeros_like(x0)
    h = 1e-6
    for idx in np.ndindex(x0.shape):
        up, down = x0.copy(), x0.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (loss(f64(up)).item() - loss(f64(down)).item()) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-6)


def test_cross_entropy_gradient_is_softmax_minus_onehot(rng):
    logits = rng.standard_normal((4, 6)) + 1e3
    targets = rng.integers(0, 6, size=4)
    grad = mx.grad(lambda x: L.cross_entropy(x, mx.array(targets), reduction="sum"))(
        f64(logits)
    )
    shifted = logits - logits.max(axis=1, keepdims=True)
    soft = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    assert_close(grad, soft - np.eye(6)[targets], atol=1e-12)


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------

A = mx.ones((2, 3))
IDX = mx.array([0, 1])

CALLS = {
    "binary_cross_entropy": lambda **k: L.binary_cross_entropy(A, A, **k),
    "cosine_similarity_loss": lambda **k: L.cosine_similarity_loss(A, A, **k),
    "cross_entropy": lambda **k: L.cross_entropy(A, IDX, **k),
    "gaussian_nll_loss": lambda **k: L.gaussian_nll_loss(A, A, A, **k),
    "hinge_loss": lambda **k: L.hinge_loss(A, A, **k),
    "huber_loss": lambda **k: L.huber_loss(A, A, **k),
    "kl_div_loss": lambda **k: L.kl_div_loss(A, A, **k),
    "l1_loss": lambda **k: L.l1_loss(A, A, **k),
    "log_cosh_loss": lambda **k: L.log_cosh_loss(A, A, **k),
    "margin_ranking_loss": lambda **k: L.margin_ranking_loss(A, A, A, **k),
    "mse_loss": lambda **k: L.mse_loss(A, A, **k),
    "nll_loss": lambda **k: L.nll_loss(A, IDX, **k),
    "smooth_l1_loss": lambda **k: L.smooth_l1_loss(A, A, **k),
    "triplet_loss": lambda **k: L.triplet_loss(A, A, A, **k),
}


def test_every_loss_is_covered():
    assert sorted(CALLS) == sorted(L.__all__)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_reductions_and_bad_reduction(name):
    call = CALLS[name]
    none = call(reduction="none")
    assert_close(call(reduction="sum"), np.sum(np.array(none)), rtol=1e-6)
    assert_close(call(reduction="mean"), np.mean(np.array(none)), rtol=1e-6)
    with pytest.raises(ValueError, match=rf"^\[{name}\] Invalid reduction"):
        call(reduction="average")


B = mx.ones((2, 4))

SHAPE_ERRORS = [
    ("binary_cross_entropy", lambda: L.binary_cross_entropy(A, B)),
    ("binary_cross_entropy",
     lambda: L.binary_cross_entropy(A, A, weights=mx.ones((3,)))),
    ("cross_entropy", lambda: L.cross_entropy(A, mx.array([0, 1, 2]))),
    ("cross_entropy", lambda: L.cross_entropy(A, B)),
    ("cross_entropy", lambda: L.cross_entropy(A, IDX, weights=mx.ones((3,)))),
    ("cross_entropy", lambda: L.cross_entropy(A, IDX, label_smoothing=1.0)),
    ("cross_entropy", lambda: L.cross_entropy(A, IDX, label_smoothing=-0.1)),
    ("gaussian_nll_loss", lambda: L.gaussian_nll_loss(A, B, A)),
    ("gaussian_nll_loss", lambda: L.gaussian_nll_loss(A, A, mx.ones((2, 1)))),
    ("hinge_loss", lambda: L.hinge_loss(A, B)),
    ("huber_loss", lambda: L.huber_loss(A, B)),
    ("kl_div_loss", lambda: L.kl_div_loss(A, B)),
    ("l1_loss", lambda: L.l1_loss(A, B)),
    ("log_cosh_loss", lambda: L.log_cosh_loss(A, B)),
    ("margin_ranking_loss", lambda: L.margin_ranking_loss(A, A, mx.ones((2,)))),
    ("mse_loss", lambda: L.mse_loss(A, mx.ones((3,)))),
    ("nll_loss", lambda: L.nll_loss(A, mx.array([0, 1, 2]))),
    ("smooth_l1_loss", lambda: L.smooth_l1_loss(A, B)),
    ("smooth_l1_loss", lambda: L.smooth_l1_loss(A, A, beta=-1.0)),
    ("triplet_loss", lambda: L.triplet_loss(A, A, B)),
    ("triplet_loss", lambda: L.triplet_loss(A, A, A, p=0)),
    ("cosine_similarity_loss", lambda: L.cosine_similarity_loss(A, B)),
]


@pytest.mark.parametrize("name,call", SHAPE_ERRORS)
def test_argument_errors(name, call):
    with pytest.raises(ValueError, match=rf"^\[{name}\] "):
        call()


def test_broadcasting_losses_accept_broadcastable_shapes(rng):
    # Losses without an exact-shape contract broadcast like elementwise ops.
    x = rng.standard_normal((3, 4))
    y = rng.choice([-1.0, 1.0], size=(4,))
    check(L.hinge_loss(f32(x), f32(y)), np.maximum(0, 1 - x * y))
