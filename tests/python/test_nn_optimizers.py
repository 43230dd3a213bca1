"""mlx.optimizers update rules against float64 numpy re-implementations of
their documented formulas, and against torch.optim where the formulas agree.

State saving/resuming, schedules and the seed examples are tested in
test_nn_optimizers_state.py.
"""

import numpy as np
import pytest

import mlx.core as mx
import mlx.optimizers as optim

SHAPES = {"w": (5, 4), "b": (4,), "conv": (3, 2, 2, 2), "s": ()}
STEPS = 5


def random_problem(rng, shapes=SHAPES, steps=STEPS):
    """Float32-representable parameters and a sequence of gradients."""
    as32 = lambda a: np.asarray(a, dtype=np.float32).astype(np.float64)  # noqa: E731
    params = {k: as32(rng.standard_normal(s)) for k, s in shapes.items()}
    grads = [
        {k: as32(rng.standard_normal(s)) for k, s in shapes.items()}
        for _ in range(steps)
    ]
    return params, grads


def run_mlx(optimizer, params, grads, dtype=mx.float32):
    current = {k: mx.array(v).astype(dtype) for k, v in params.items()}
    for g in grads:
        g = {k: mx.array(v).astype(dtype) for k, v in g.items()}
        current = optimizer.apply_gradients(g, current)
        mx.eval(current, optimizer.state)
    return {
        k: np.array(v.astype(mx.float32)).astype(np.float64)
        for k, v in current.items()
    }


def run_numpy(update, params, grads):
    """update(p, g, state, t) -> new p; t counts steps from 1."""
    params = {k: v.copy() for k, v in params.items()}
    states = {k: {} for k in params}
    for t, g in enumerate(grads, start=1):
        for k in params:
            params[k] = update(params[k], g[k], states[k], t)
    return params


def assert_close(got, want, rtol=2e-5, atol=2e-6):
    assert got.keys() == want.keys()
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=rtol, atol=atol, err_msg=k)


# -- float64 references of the documented formulas --------------------------


def np_sgd(lr, momentum=0.0, weight_decay=0.0, dampening=0.0, nesterov=False):
    def update(p, g, s, t):
        g = g + weight_decay * p
        if momentum == 0:
            return p - lr * g
        v = momentum * s.get("v", 0.0) + (1 - dampening) * g
        s["v"] = v
        return p - lr * (g + momentum * v if nesterov else v)

    return update


def np_rmsprop(lr, alpha=0.99, eps=1e-8):
    def update(p, g, s, t):
        s["v"] = alpha * s.get("v", 0.0) + (1 - alpha) * g * g
        return p - lr * g / (np.sqrt(s["v"]) + eps)

    return update


def np_adagrad(lr, eps=1e-8):
    def update(p, g, s, t):
        s["v"] = s.get("v", 0.0) + g * g
        return p - lr * g / (np.sqrt(s["v"]) + eps)

    return update


def np_adadelta(lr, rho=0.9, eps=1e-6):
    def update(p, g, s, t):
        v = rho * s.get("v", 0.0) + (1 - rho) * g * g
        delta = np.sqrt(s.get("u", 0.0) + eps) / np.sqrt(v + eps) * g
        s["u"] = rho * s.get("u", 0.0) + (1 - rho) * delta * delta
        s["v"] = v
        return p - lr * delta

    return update


def np_adam(lr, betas=(0.9, 0.999), eps=1e-8, bias_correction=False, weight_decay=0.0):
    b1, b2 = betas

    def update(p, g, s, t):
        p = p * (1 - lr * weight_decay)
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m, v = s["m"], s["v"]
        if bias_correction:
            m, v = m / (1 - b1**t), v / (1 - b2**t)
        return p - lr * m / (np.sqrt(v) + eps)

    return update


def np_adamax(lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas

    def update(p, g, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = np.maximum(b2 * s.get("v", 0.0), np.abs(g))
        return p - lr * s["m"] / (s["v"] + eps)

    return update


def np_lion(lr, betas=(0.9, 0.99), weight_decay=0.0):
    b1, b2 = betas

    def update(p, g, s, t):
        m = s.get("m", 0.0)
        c = b1 * m + (1 - b1) * g
        s["m"] = b2 * m + (1 - b2) * g
        return p - lr * (np.sign(c) + weight_decay * p)

    return update


def rms(x):
    return np.sqrt(np.mean(np.square(x)))


def np_adafactor(
    lr=None,
    eps=(1e-30, 1e-3),
    clip_threshold=1.0,
    decay_rate=-0.8,
    beta_1=None,
    weight_decay=0.0,
    scale_parameter=True,
    relative_step=True,
    warmup_init=False,
):
    def update(p, g, s, t):
        if relative_step:
            size = min(1e-6 * t if warmup_init else 1e-2, 1 / np.sqrt(t))
        else:
            size = lr
        if scale_parameter:
            size *= max(eps[1], rms(p))
        beta_2 = 1 - t**decay_rate
        sq = g * g + eps[0]
        if g.ndim >= 2:
            # Factored second moment: row and column means, outer product
            # normalized by the mean of the row means.
            s["r"] = beta_2 * s.get("r", 0.0) + (1 - beta_2) * sq.mean(-1)
            s["c"] = beta_2 * s.get("c", 0.0) + (1 - beta_2) * sq.mean(-2)
            r, c = s["r"], s["c"]
            second = r[..., :, None] * c[..., None, :] / r.mean(-1)[..., None, None]
        else:
            s["v"] = beta_2 * s.get("v", 0.0) + (1 - beta_2) * sq
            second = s["v"]
        u = g / np.sqrt(second)
        u = size * u / max(1.0, rms(u) / clip_threshold)
        if beta_1 is not None:
            s["m"] = beta_1 * s.get("m", 0.0) + (1 - beta_1) * u
            u = s["m"]
        return p - weight_decay * size * p - u

    return update


def np_newton_schulz(x, steps):
    a, b, c = 3.4445, -4.7750, 2.0315
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


def np_muon(lr, momentum=0.95, weight_decay=0.01, nesterov=True, ns_steps=5):
    def update(p, g, s, t):
        g = g + weight_decay * p
        s["v"] = momentum * s.get("v", 0.0) + (1 - momentum) * g
        u = (1 - momentum) * g + momentum * s["v"] if nesterov else s["v"]
        if u.ndim < 2:
            return p - lr * u
        scale = max(1.0, u.shape[-2] / u.shape[-1]) ** 0.5
        u = np_newton_schulz(u.reshape(u.shape[0], -1), ns_steps).reshape(u.shape)
        return p - lr * scale * u

    return update


CASES = {
    "sgd": (lambda: optim.SGD(0.1), np_sgd(0.1)),
    "sgd_momentum": (
        lambda: optim.SGD(0.1, momentum=0.9, weight_decay=0.01, dampening=0.2),
        np_sgd(0.1, momentum=0.9, weight_decay=0.01, dampening=0.2),
    ),
    "sgd_nesterov": (
        lambda: optim.SGD(0.05, momentum=0.8, nesterov=True),
        np_sgd(0.05, momentum=0.8, nesterov=True),
    ),
    "rmsprop": (lambda: optim.RMSprop(0.01, alpha=0.9), np_rmsprop(0.01, alpha=0.9)),
    "adagrad": (lambda: optim.Adagrad(0.1), np_adagrad(0.1)),
    "adadelta": (lambda: optim.AdaDelta(0.5, rho=0.8), np_adadelta(0.5, rho=0.8)),
    "adam": (lambda: optim.Adam(0.01), np_adam(0.01)),
    "adam_bias": (
        lambda: optim.Adam(0.01, betas=[0.8, 0.99], bias_correction=True),
        np_adam(0.01, betas=(0.8, 0.99), bias_correction=True),
    ),
    "adamw": (
        lambda: optim.AdamW(0.01, weight_decay=0.1),
        np_adam(0.01, weight_decay=0.1),
    ),
    "adamw_bias": (
        lambda: optim.AdamW(0.01, bias_correction=True),
        np_adam(0.01, weight_decay=0.01, bias_correction=True),
    ),
    "adamax": (lambda: optim.Adamax(0.01), np_adamax(0.01)),
    "lion": (
        lambda: optim.Lion(0.01, weight_decay=0.1),
        np_lion(0.01, weight_decay=0.1),
    ),
    "adafactor": (lambda: optim.Adafactor(), np_adafactor()),
    "adafactor_lr": (
        lambda: optim.Adafactor(
            0.01, relative_step=False, beta_1=0.9, weight_decay=0.1
        ),
        np_adafactor(0.01, relative_step=False, beta_1=0.9, weight_decay=0.1),
    ),
    "adafactor_warmup": (
        lambda: optim.Adafactor(
            warmup_init=True, scale_parameter=False, clip_threshold=0.5
        ),
        np_adafactor(warmup_init=True, scale_parameter=False, clip_threshold=0.5),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_update_matches_float64_formula(rng, name):
    make, reference = CASES[name]
    params, grads = random_problem(rng)
    got = run_mlx(make(), params, grads)
    assert_close(got, run_numpy(reference, params, grads))


def test_adafactor_factors_leading_batch_dims(rng):
    params, grads = random_problem(rng, shapes={"x": (2, 3, 4)}, steps=3)
    got = run_mlx(optim.Adafactor(), params, grads)
    assert_close(got, run_numpy(np_adafactor(), params, grads))
    state = optim.Adafactor()
    state.init({"x": mx.zeros((2, 3, 4))})
    assert state.state["x"]["exp_avg_sq_row"].shape == (2, 3)
    assert state.state["x"]["exp_avg_sq_col"].shape == (2, 4)


# -- Muon ----------------------------------------------------------------------


@pytest.mark.parametrize("ns_steps,tol", [(0, 1e-5), (1, 1e-5), (5, 1e-4)])
@pytest.mark.parametrize("nesterov", [True, False])
def test_muon_matches_float64_formula(rng, ns_steps, tol, nesterov):
    shapes = {"w": (6, 4), "wide": (3, 7), "conv": (4, 2, 3, 1), "b": (5,)}
    params, grads = random_problem(rng, shapes=shapes, steps=3)
    make = lambda: optim.Muon(0.1, nesterov=nesterov, ns_steps=ns_steps)  # noqa: E731
    got = run_mlx(make(), params, grads)
    want = run_numpy(np_muon(0.1, nesterov=nesterov, ns_steps=ns_steps), params, grads)
    # Compare the total displacement relative to its own size.
    for k in shapes:
        step_got, step_want = got[k] - params[k], want[k] - params[k]
        err = np.abs(step_got - step_want).max() / np.abs(step_want).max()
        assert err < tol, (k, err)


def test_muon_orthogonalizes_matrix_updates(rng):
    """With the default 5 iterations the singular values of the update of a
    matrix parameter all land near 1 (the quintic converges to ~[0.7, 1.2])."""
    g = rng.standard_normal((8, 5)).astype(np.float32)
    p = np.zeros((8, 5), np.float32)
    opt = optim.Muon(1.0, momentum=0.0, weight_decay=0.0, nesterov=False)
    new = opt.apply_gradients({"w": mx.array(g)}, {"w": mx.array(p)})["w"]
    # Undo the sqrt(rows / cols) scale of tall matrices.
    step = -np.array(new).astype(np.float64) / np.sqrt(8 / 5)
    singular = np.linalg.svd(step, compute_uv=False)
    assert singular.min() > 0.6 and singular.max() < 1.3, singular
    # The singular vectors are those of the gradient: in its basis the
    # update is diagonal.
    u, _, vt = np.linalg.svd(g.astype(np.float64), full_matrices=False)
    in_basis = u.T @ step @ vt.T
    off_diagonal = in_basis - np.diag(np.diag(in_basis))
    assert np.abs(off_diagonal).max() < 1e-4
    assert np.diag(in_basis).min() > 0.6


# -- torch.optim agrees with the documented formulas for these ---------------


TORCH_CASES = {
    "sgd": (
        lambda: optim.SGD(0.1, momentum=0.9, weight_decay=0.01, nesterov=True),
        lambda torch, ps: torch.optim.SGD(
            ps, lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True
        ),
    ),
    "rmsprop": (
        lambda: optim.RMSprop(0.01),
        lambda torch, ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.99, eps=1e-8),
    ),
    "adagrad": (
        lambda: optim.Adagrad(0.1, eps=1e-10),
        lambda torch, ps: torch.optim.Adagrad(ps, lr=0.1, eps=1e-10),
    ),
    "adadelta": (
        lambda: optim.AdaDelta(1.0),
        lambda torch, ps: torch.optim.Adadelta(ps, lr=1.0, rho=0.9, eps=1e-6),
    ),
    "adam": (
        lambda: optim.Adam(0.01, bias_correction=True),
        lambda torch, ps: torch.optim.Adam(ps, lr=0.01),
    ),
    "adamw": (
        lambda: optim.AdamW(0.01, weight_decay=0.05, bias_correction=True),
        lambda torch, ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.05),
    ),
}


@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_update_matches_torch(rng, name):
    torch = pytest.importorskip("torch")
    make, make_torch = TORCH_CASES[name]
    params, grads = random_problem(rng)
    got = run_mlx(make(), params, grads)

    tensors = {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
        for k, v in params.items()
    }
    torch_opt = make_torch(torch, list(tensors.values()))
    for g in grads:
        for k, t in tensors.items():
            t.grad = torch.tensor(g[k], dtype=torch.float64)
        torch_opt.step()
    assert_close(got, {k: t.detach().numpy() for k, t in tensors.items()})


# -- dtypes, state layout, tree handling -------------------------------------


ALL = {
    "SGD": lambda: optim.SGD(0.1, momentum=0.9, weight_decay=0.1),
    "RMSprop": lambda: optim.RMSprop(0.1),
    "Adagrad": lambda: optim.Adagrad(0.1),
    "AdaDelta": lambda: optim.AdaDelta(0.1),
    "Adam": lambda: optim.Adam(0.1, bias_correction=True),
    "AdamW": lambda: optim.AdamW(0.1, bias_correction=True),
    "Adamax": lambda: optim.Adamax(0.1),
    "Lion": lambda: optim.Lion(0.1, weight_decay=0.1),
    "Adafactor": lambda: optim.Adafactor(beta_1=0.9, weight_decay=0.1),
    "Muon": lambda: optim.Muon(0.1),
}


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16])
@pytest.mark.parametrize("name", sorted(ALL))
def test_low_precision_parameters_keep_dtype(rng, name, dtype):
    params, grads = random_problem(rng, steps=2)
    opt = ALL[name]()
    got = run_mlx(opt, params, grads, dtype=dtype)
    want = run_mlx(ALL[name](), params, grads)
    tol = 5e-2 if dtype == mx.bfloat16 else 1e-2
    for k in params:
        np.testing.assert_allclose(got[k], want[k], rtol=tol, atol=tol, err_msg=k)
    current = {k: mx.array(v).astype(dtype) for k, v in params.items()}
    new = opt.apply_gradients({k: mx.ones_like(v) for k, v in current.items()}, current)
    assert all(v.dtype == dtype for v in new.values())


def test_only_parameters_with_gradients_are_updated():
    params = {"a": mx.ones((3,)), "frozen": mx.ones((2,)), "nested": [mx.ones((2, 2))]}
    grads = {"a": mx.ones((3,)), "nested": [mx.ones((2, 2))]}
    opt = optim.Adam(0.1)
    new = opt.apply_gradients(grads, params)
    assert set(new) == {"a", "nested"} and len(new["nested"]) == 1
    assert "frozen" not in opt.state
    assert set(opt.state["nested"][0]) == {"m", "v"}
    assert opt.state["step"].dtype == mx.uint64 and opt.state["step"].item() == 1


def test_explicit_init_keeps_existing_state():
    opt = optim.SGD(0.1, momentum=0.9)
    params = {"a": mx.zeros((2,))}
    opt.apply_gradients({"a": mx.ones((2,))}, params)
    v = opt.state["a"]["v"]
    opt.init({"a": mx.zeros((2,)), "b": mx.zeros((3,))})
    assert opt.state["a"]["v"] is v
    assert mx.array_equal(opt.state["b"]["v"], mx.zeros((3,))).item()


def test_update_replaces_module_parameters():
    nn = pytest.importorskip("mlx.nn")
    model = nn.Linear(3, 2)
    weight = np.array(model.weight)
    grads = {"weight": mx.ones((2, 3)), "bias": mx.ones((2,))}
    optim.SGD(0.5).update(model, grads)
    np.testing.assert_allclose(np.array(model.weight), weight - 0.5, rtol=1e-6)


def test_clip_grad_norm_matches_numpy(rng):
    grads = {"a": rng.standard_normal((3, 4)), "b": [rng.standard_normal(5)]}
    tree = {
        "a": mx.array(grads["a"], mx.float32),
        "b": [mx.array(grads["b"][0], mx.float32)],
    }
    norm = np.sqrt((grads["a"] ** 2).sum() + (grads["b"][0] ** 2).sum())
    for max_norm in [norm / 3, norm * 2]:
        clipped, total = optim.clip_grad_norm(tree, max_norm)
        np.testing.assert_allclose(total.item(), norm, rtol=1e-5)
        scale = min(1.0, max_norm / norm)
        got_a, got_b = np.array(clipped["a"]), np.array(clipped["b"][0])
        np.testing.assert_allclose(got_a, grads["a"] * scale, rtol=1e-5)
        np.testing.assert_allclose(got_b, grads["b"][0] * scale, rtol=1e-5)
    half = {"a": mx.full((4,), 3.0, mx.float16)}
    assert optim.clip_grad_norm(half, 1.0)[0]["a"].dtype == mx.float16


def test_multi_optimizer_routes_parameters_by_filter():
    def tree():
        matrices = {"w": mx.ones((2, 3)), "layers": [{"w": mx.ones((3, 3))}]}
        return {**matrices, "b": mx.ones((3,))}

    params, grads = tree(), tree()
    multi = optim.MultiOptimizer(
        [optim.SGD(0.5), optim.Adam(0.1)], [lambda path, g: g.ndim >= 2]
    )
    new = multi.apply_gradients(grads, params)
    np.testing.assert_allclose(np.array(new["w"]), 0.5)
    np.testing.assert_allclose(np.array(new["layers"][0]["w"]), 0.5)
    want_b = np_adam(0.1)(np.ones(3), np.ones(3), {}, 1)
    np.testing.assert_allclose(np.array(new["b"]), want_b, rtol=1e-5)
    sgd_state, adam_state = multi.state["states"]
    assert "b" not in sgd_state and set(adam_state["b"]) == {"m", "v"}
    multi.learning_rate = 0.25
    assert all(o.learning_rate.item() == 0.25 for o in multi.optimizers)


@pytest.mark.parametrize(
    "build",
    [
        lambda: optim.SGD(0.1, nesterov=True),
        lambda: optim.SGD(0.1, momentum=0.9, dampening=0.1, nesterov=True),
        lambda: optim.RMSprop(0.1, alpha=-1.0),
        lambda: optim.Adagrad(0.1, eps=-1.0),
        lambda: optim.AdaDelta(0.1, rho=-0.5),
        lambda: optim.Adam(0.1, betas=[1.5, 0.9]),
        lambda: optim.Adamax(0.1, eps=-1.0),
        lambda: optim.Lion(0.1, weight_decay=-1.0),
        lambda: optim.Adafactor(relative_step=False),
        lambda: optim.Muon(0.1, ns_steps=-1),
        lambda: optim.MultiOptimizer([optim.SGD(0.1)], [lambda *a: True]),
        lambda: optim.clip_grad_norm({"a": mx.ones((2,))}, -1.0),
        lambda: optim.join_schedules([optim.linear_schedule(0, 1, 2)], [3]),
        lambda: optim.linear_schedule(0, 1, 0),
        lambda: optim.cosine_decay(1, 0),
        lambda: optim.step_decay(1, 0.5, 0),
    ],
)
def test_bad_arguments_raise_value_error(build):
    with pytest.raises(ValueError, match=r"^\["):
        build()


def test_multi_optimizer_rejects_bad_state():
    multi = optim.MultiOptimizer([optim.SGD(0.1), optim.Adam(0.1)], [lambda *a: True])
    with pytest.raises(ValueError, match=r"^\[MultiOptimizer\]"):
        multi.state = {"states": [{}]}
