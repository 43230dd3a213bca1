"""mlx.optimizers state and schedules: scheduled values and the step counter
live in optimizer.state, so saving it and loading it into a fresh optimizer
resumes training bit for bit; schedules follow their closed forms; the
optimizer examples of the seed documents run as written."""

import math
import os
import pathlib
import textwrap

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx.utils import tree_flatten, tree_unflatten

# -- resuming from a saved state ---------------------------------------------

OPTIMIZERS = {
    "adam_cosine": lambda: optim.Adam(
        optim.cosine_decay(1e-2, 5, 1e-3), bias_correction=True
    ),
    "sgd_scheduled_momentum": lambda: optim.SGD(
        optim.exponential_decay(0.1, 0.9),
        momentum=optim.linear_schedule(0.5, 0.9, 4),
        weight_decay=1e-3,
        nesterov=True,
    ),
    "adamw_warmup": lambda: optim.AdamW(
        optim.join_schedules(
            [optim.linear_schedule(0.0, 1e-2, 2), optim.cosine_decay(1e-2, 10)], [2]
        ),
        weight_decay=optim.step_decay(0.1, 0.5, 2),
    ),
    "sgd": lambda: optim.SGD(0.05),
    "rmsprop": lambda: optim.RMSprop(1e-2),
    "adagrad": lambda: optim.Adagrad(1e-1),
    "adadelta": lambda: optim.AdaDelta(1.0),
    "adamax": lambda: optim.Adamax(1e-2),
    "lion": lambda: optim.Lion(1e-3, weight_decay=0.1),
    "adafactor": lambda: optim.Adafactor(beta_1=0.9, weight_decay=1e-2),
    "muon": lambda: optim.Muon(optim.step_decay(0.02, 0.5, 3)),
    "multi": lambda: optim.MultiOptimizer(
        [optim.Muon(0.02), optim.AdamW(optim.cosine_decay(1e-2, 10))],
        [lambda path, w: w.ndim >= 2],
    ),
}


def new_model(seed):
    mx.random.seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    mx.eval(model.parameters())
    return model


def batches(count):
    rng = np.random.default_rng(7)
    return [
        (
            mx.array(rng.standard_normal((8, 4)).astype(np.float32)),
            mx.array(rng.standard_normal((8, 2)).astype(np.float32)),
        )
        for _ in range(count)
    ]


def train(model, optimizer, data):
    def loss_fn(model, x, y):
        return nn.losses.mse_loss(model(x), y)

    loss_and_grad = nn.value_and_grad(model, loss_fn)
    for x, y in data:
        _, grads = loss_and_grad(model, x, y)
        optimizer.update(model, grads)
        mx.eval(model.parameters(), optimizer.state)


def save_tree(path, tree):
    mx.save_safetensors(str(path), dict(tree_flatten(tree)))


def load_tree(path):
    return tree_unflatten(list(mx.load(str(path)).items()))


def assert_trees_identical(a, b):
    flat_a, flat_b = dict(tree_flatten(a)), dict(tree_flatten(b))
    assert flat_a.keys() == flat_b.keys()
    for key, value in flat_a.items():
        other = flat_b[key]
        assert value.dtype == other.dtype, key
        assert np.array_equal(np.array(value), np.array(other)), key


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_saved_state_resumes_training_bit_for_bit(tmp_path, name):
    make = OPTIMIZERS[name]
    data = batches(7)

    # Uninterrupted run, with a checkpoint after 3 steps.
    model, optimizer = new_model(0), make()
    train(model, optimizer, data[:3])
    save_tree(tmp_path / "optimizer.safetensors", optimizer.state)
    save_tree(tmp_path / "model.safetensors", model.parameters())
    train(model, optimizer, data[3:])

    # A fresh process would rebuild both objects and load the checkpoint.
    resumed_model, resumed = new_model(1), make()
    resumed_model.update(load_tree(tmp_path / "model.safetensors"))
    resumed.state = load_tree(tmp_path / "optimizer.safetensors")
    train(resumed_model, resumed, data[3:])

    assert_trees_identical(model.parameters(), resumed_model.parameters())
    assert_trees_identical(optimizer.state, resumed.state)
    assert resumed.step.item() == 7


def test_resuming_without_the_state_differs(tmp_path):
    """The comparison above has teeth: a fresh Adam state changes the result."""
    data = batches(5)
    model, optimizer = new_model(0), OPTIMIZERS["adam_cosine"]()
    train(model, optimizer, data[:2])
    save_tree(tmp_path / "model.safetensors", model.parameters())
    train(model, optimizer, data[2:])

    restarted = new_model(1)
    restarted.update(load_tree(tmp_path / "model.safetensors"))
    train(restarted, OPTIMIZERS["adam_cosine"](), data[2:])
    weight, other = model.layers[0].weight, restarted.layers[0].weight
    assert not np.array_equal(np.array(weight), np.array(other))


def test_scheduled_values_and_step_live_in_state():
    opt = optim.SGD(
        optim.exponential_decay(0.1, 0.5),
        momentum=optim.linear_schedule(0.0, 0.8, 4),
        weight_decay=0.01,
    )
    assert opt.state["step"].dtype == mx.uint64
    for _ in range(3):
        opt.update({}, {})
    assert opt.step.item() == 3
    # Values are those of the last update, which saw step 2.
    assert isinstance(opt.state["learning_rate"], mx.array)
    lr = opt.state["learning_rate"].item()
    np.testing.assert_allclose(lr, 0.1 * 0.5**2, rtol=1e-6)
    np.testing.assert_allclose(opt.state["momentum"].item(), 0.8 * 2 / 4, rtol=1e-6)
    # Constant hyper-parameters other than the learning rate are not state.
    assert "weight_decay" not in opt.state


def test_scheduled_momentum_matches_float64_formula():
    rng = np.random.default_rng(3)
    p = rng.standard_normal(6).astype(np.float32)
    grads = [rng.standard_normal(6).astype(np.float32) for _ in range(5)]
    lr, mu = optim.exponential_decay(0.1, 0.9), optim.linear_schedule(0.2, 0.9, 3)
    opt = optim.SGD(lr, momentum=mu)
    params = {"p": mx.array(p)}
    want, v = p.astype(np.float64), 0.0
    for t, g in enumerate(grads):
        params = opt.apply_gradients({"p": mx.array(g)}, params)
        # The update with step counter t uses the schedules at t.
        v = min(0.2 + 0.7 * t / 3, 0.9) * v + g
        want = want - 0.1 * 0.9**t * v
    np.testing.assert_allclose(np.array(params["p"]), want, rtol=1e-5)


def test_learning_rate_setter_replaces_or_installs_a_schedule():
    opt = optim.SGD(optim.cosine_decay(1.0, 10))
    opt.learning_rate = 0.5
    params = {"w": mx.ones((2,))}
    new = opt.apply_gradients({"w": mx.ones((2,))}, params)
    np.testing.assert_allclose(np.array(new["w"]), 0.5)
    assert opt.learning_rate.item() == 0.5

    opt.learning_rate = optim.exponential_decay(1.0, 0.5)
    assert opt.learning_rate.item() == 0.5  # evaluated at the current step 1
    opt.update({}, {})
    opt.update({}, {})
    assert opt.learning_rate.item() == 0.25


def test_multi_optimizer_state_round_trips(tmp_path):
    multi = OPTIMIZERS["multi"]()
    model = new_model(0)
    train(model, multi, batches(2))
    save_tree(tmp_path / "multi.safetensors", multi.state)
    fresh = OPTIMIZERS["multi"]()
    fresh.state = load_tree(tmp_path / "multi.safetensors")
    assert_trees_identical(multi.state, fresh.state)
    assert fresh.step.item() == 2


# -- schedules against their closed forms ------------------------------------

STEPS = np.array([0, 1, 2, 5, 9, 10, 11, 57, 200, 1000], dtype=np.uint64)


def evaluate(schedule):
    return np.array([np.array(schedule(mx.array(s))).item() for s in STEPS])


def test_exponential_and_step_decay():
    s = STEPS.astype(float)
    got = evaluate(optim.exponential_decay(0.1, 0.99))
    np.testing.assert_allclose(got, 0.1 * 0.99**s, rtol=1e-5)
    got = evaluate(optim.step_decay(0.1, 0.9, 10))
    np.testing.assert_allclose(got, 0.1 * 0.9 ** (s // 10), rtol=1e-5)
    assert optim.step_decay(0.1, 0.9, 1000)(2500) == pytest.approx(0.1 * 0.81)


def test_cosine_decay():
    init, end, n = 0.1, 0.01, 57
    s = np.minimum(STEPS, n).astype(float)
    want = end + 0.5 * (1 + np.cos(np.pi * s / n)) * (init - end)
    got = evaluate(optim.cosine_decay(init, n, end))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_linear_schedule():
    s = np.minimum(STEPS, 100).astype(float)
    np.testing.assert_allclose(
        evaluate(optim.linear_schedule(0.2, 0.1, 100)), 0.2 - 0.1 * s / 100, rtol=1e-6
    )


def test_join_schedules_offsets_each_schedule():
    warmup = optim.linear_schedule(0.0, 0.1, 10)
    decay = optim.exponential_decay(0.1, 0.9)
    constant = lambda step: 0.001  # noqa: E731
    joined = optim.join_schedules([warmup, decay, constant], [10, 57])
    s = STEPS.astype(float)
    after_warmup = np.where(s < 57, 0.1 * 0.9 ** (s - 10), 0.001)
    want = np.where(s < 10, 0.1 * s / 10, after_warmup)
    np.testing.assert_allclose(evaluate(joined), want, rtol=1e-5)
    assert joined(3).item() == pytest.approx(0.03)


@pytest.mark.parametrize(
    "make,updates,formula",
    [
        # The examples of the reference docstrings, as closed forms.
        (
            lambda: optim.cosine_decay(1e-1, 1000),
            5,
            0.05 * (1 + math.cos(math.pi * 4 / 1000)),
        ),
        (lambda: optim.exponential_decay(1e-1, 0.9), 5, 0.1 * 0.9**4),
        (lambda: optim.step_decay(1e-1, 0.9, 10), 21, 0.1 * 0.9**2),
        (lambda: optim.linear_schedule(0, 1e-1, 100), 101, 0.1),
        (
            lambda: optim.join_schedules(
                [
                    optim.linear_schedule(0, 1e-1, steps=10),
                    optim.cosine_decay(1e-1, 200),
                ],
                [10],
            ),
            12,
            0.05 * (1 + math.cos(math.pi * 1 / 200)),
        ),
    ],
)
def test_learning_rate_after_updates(make, updates, formula):
    optimizer = optim.Adam(learning_rate=make())
    for _ in range(updates):
        optimizer.update({}, {})
    assert optimizer.learning_rate.dtype == mx.float32
    assert optimizer.learning_rate.item() == pytest.approx(formula, rel=1e-6)


# -- the examples of the seed documents --------------------------------------

SPEC = pathlib.Path(
    os.environ.get(
        "EMBER_SPEC_DIR",
        pathlib.Path(__file__).resolve().parents[3] / "shared" / "spec",
    )
)


def seed_block(name, start, end):
    """The code of a seed document between the markers start and end."""
    path = SPEC / "seeds" / name
    if not path.exists():
        pytest.skip(f"the seed documents are not at {SPEC} (set EMBER_SPEC_DIR)")
    text = path.read_text()
    begin = text.index(start)
    return textwrap.dedent(text[begin : text.index(end, begin)])


def test_seed_saving_and_loading_example(tmp_path, monkeypatch):
    code = seed_block(
        "000_7ffabd143c23585b.txt",
        "    import mlx.core as mx\n    from mlx.utils import tree_flatten",
        "\n</div>",
    )
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(code, "seed-saving-example", "exec"), scope)
    loaded = scope["optimizer"]
    assert loaded.step.item() == 1
    # The loaded optimizer continues with the saved moments.
    new = loaded.apply_gradients(scope["grads"], scope["model"])
    m, v = 0.9 * 0.1 + 0.1, 0.999 * 0.001 + 0.001
    first = -1e-2 * 0.1 / (math.sqrt(0.001) + 1e-8)
    want = first - 1e-2 * m / (math.sqrt(v) + 1e-8)
    np.testing.assert_allclose(np.array(new["w"]), want, rtol=1e-5)


def test_seed_training_loop_example():
    code = seed_block("000_7ffabd143c23585b.txt", "    # Create a model", "\n</div>")

    class MLP(nn.Module):
        def __init__(self, num_layers, in_dims, hidden_dims, out_dims):
            super().__init__()
            sizes = [in_dims] + [hidden_dims] * num_layers + [out_dims]
            self.layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]

        def __call__(self, x):
            for layer in self.layers[:-1]:
                x = nn.relu(layer(x))
            return self.layers[-1](x)

    def loss_fn(model, X, y):
        return nn.losses.cross_entropy(model(X), y, reduction="mean")

    def batch_iterate(batch_size, X, y):
        for i in range(0, len(y), batch_size):
            yield X[i : i + batch_size], y[i : i + batch_size]

    rng = np.random.default_rng(0)
    images = mx.array(rng.standard_normal((32, 6)).astype(np.float32))
    labels = mx.array(rng.integers(0, 3, 32).astype(np.int32))
    # The names the example leaves to the reader.
    scope = dict(mx=mx, nn=nn, optim=optim, MLP=MLP, loss_fn=loss_fn)
    scope.update(batch_iterate=batch_iterate, train_images=images, train_labels=labels)
    scope.update(num_layers=2, hidden_dim=16, num_classes=3)
    scope.update(learning_rate=0.1, num_epochs=3, batch_size=8)
    # The example builds its model after this seed: same initial weights.
    mx.random.seed(0)
    initial = loss_fn(MLP(2, 6, 16, 3), images, labels).item()
    mx.random.seed(0)
    exec(compile(code, "seed-training-example", "exec"), scope)
    assert scope["optimizer"].step.item() == 12
    assert loss_fn(scope["model"], images, labels).item() < initial


HEADER = "import mlx.core as mx\nimport mlx.nn as nn\nimport mlx.optimizers as optim\n"


def test_seed_uncompiled_training_example():
    code = seed_block("002_a289ec985110d9cf.txt", HEADER + "\n# 4", "To compile")
    scope = {}
    exec(compile(code, "seed-sgd-example", "exec"), scope)
    optimizer = scope["optimizer"]
    assert optimizer.step.item() == 10
    assert set(optimizer.state["weight"]) == {"v"}


def test_seed_compiled_training_example():
    if not hasattr(mx, "compile"):
        pytest.skip("mx.compile is not available yet")
    start = HEADER + "from functools import partial\n\n# 4"
    code = seed_block("002_a289ec985110d9cf.txt", start, "\nNote")
    scope = {}
    exec(compile(code, "seed-compiled-example", "exec"), scope)
    assert scope["optimizer"].step.item() == 10


def test_schedules_returning_python_numbers_are_stored_as_arrays():
    opt = optim.Lion(lambda step: 0.01, weight_decay=lambda step: 0.5)
    new = opt.apply_gradients({"w": mx.ones((2,))}, {"w": mx.ones((2,))})
    assert isinstance(opt.state["learning_rate"], mx.array)
    assert isinstance(opt.state["weight_decay"], mx.array)
    np.testing.assert_allclose(np.array(new["w"]), 1 - 0.01 * (1 + 0.5), rtol=1e-6)
