"""mx.custom_function (hand-written vjp/jvp/vmap rules) and mx.checkpoint.

The custom rules below are deliberately not the true derivatives, so a test
passes only if the transform really called the rule.
"""

import numpy as np
import pytest

import mlx.core as mx
from oracle import assert_close

F64 = mx.float64


def arr(x):
    return mx.array(np.asarray(x, dtype=np.float64), dtype=F64)


@pytest.fixture
def x_np(rng):
    return rng.uniform(-1.0, 1.0, (3, 4))


def sine_with(vjp=None, jvp=None, vmap=None):
    """sin as a custom function with the given rules (None: not given)."""

    @mx.custom_function
    def f(x):
        return mx.sin(x)

    for rule, setter in ((vjp, f.vjp), (jvp, f.jvp), (vmap, f.vmap)):
        if rule is not None:
            setter(rule)
    return f


def wrong_vjp(primals, cotangent, output):
    return (3.0 * cotangent,)


# A one-argument function's rules see that argument itself, not a tuple.
def wrong_jvp(primals, tangents):
    return 5.0 * tangents


def wrong_vmap(inputs, axes):
    return mx.sin(inputs) + 100.0, axes


def test_value_is_the_function(x_np):
    f = sine_with(wrong_vjp, wrong_jvp, wrong_vmap)
    assert_close(f(arr(x_np)), np.sin(x_np))


def test_custom_vjp_is_used(x_np):
    seen = {}

    def rule(primals, cotangent, output):
        seen.update(primals=primals, cotangent=cotangent, output=output)
        return (3.0 * cotangent,)

    f = sine_with(vjp=rule)
    g = mx.grad(lambda x: mx.sum(f(x)))(arr(x_np))
    assert_close(g, np.full((3, 4), 3.0))
    assert_close(seen["primals"], x_np)
    assert_close(seen["cotangent"], np.ones((3, 4)))
    assert_close(seen["output"], np.sin(x_np))
    # The chain rule runs through the custom rule: d exp(f(x)) = exp(f) * 3.
    g = mx.grad(lambda x: mx.sum(mx.exp(f(x))))(arr(x_np))
    assert_close(g, 3.0 * np.exp(np.sin(x_np)))
    ct = np.arange(12.0).reshape(3, 4)
    _, (v,) = mx.vjp(f, [arr(x_np)], [arr(ct)])
    assert_close(v, 3.0 * ct)


def test_custom_jvp_is_used(x_np):
    f = sine_with(jvp=wrong_jvp)
    t = np.ones((3, 4)) * 0.5
    outs, (tangent,) = mx.jvp(f, [arr(x_np)], [arr(t)])
    assert_close(outs[0], np.sin(x_np))
    assert_close(tangent, 5.0 * t)


@pytest.mark.parametrize("in_axis", [0, 1])
def test_custom_vmap_is_used(x_np, in_axis):
    seen = {}

    def rule(inputs, axes):
        seen["axes"] = axes
        return mx.sin(inputs) + 100.0, axes

    f = sine_with(vmap=rule)
    got = mx.vmap(f, in_axes=in_axis)(arr(x_np))
    assert seen["axes"] == in_axis
    want = np.sin(x_np) + 100.0
    assert_close(got, want if in_axis == 0 else want.T)


def test_custom_vmap_output_axis_is_honoured(x_np):
    def rule(inputs, axes):
        out = mx.moveaxis(mx.cos(inputs), axes, 1)
        return out, 1

    f = sine_with(vmap=rule)
    got = mx.vmap(f, in_axes=0, out_axes=0)(arr(x_np))
    assert_close(got, np.cos(x_np))


@pytest.mark.parametrize(
    "rules", [{}, {"vjp": wrong_vjp}, {"jvp": wrong_jvp}, {"vmap": wrong_vmap}]
)
def test_missing_rules_fall_back_to_autodiff(x_np, rules):
    f = sine_with(**rules)
    x = arr(x_np)
    if "vjp" not in rules:
        g = mx.grad(lambda a: mx.sum(f(a)))(x)
        assert_close(g, np.cos(x_np))
    if "jvp" not in rules:
        _, (tangent,) = mx.jvp(f, [x], [mx.ones_like(x)])
        assert_close(tangent, np.cos(x_np))
    if "vmap" not in rules:
        assert_close(mx.vmap(f, in_axes=1)(x), np.sin(x_np).T)


@pytest.mark.parametrize("rule", ["vjp", "jvp"])
def test_captured_arrays_are_constants(x_np, rule):
    # With any rule given, only the explicit arguments are differentiated.
    def loss(c):
        @mx.custom_function
        def scaled(x):
            return mx.sin(x) * c

        if rule == "vjp":
            scaled.vjp(lambda primals, ct, out: (ct * 2.0,))
        else:
            scaled.jvp(lambda primals, tangents: tangents * 2.0)
        return mx.sum(scaled(arr(x_np)))

    c = arr(1.5)
    value, g = mx.value_and_grad(loss)(c)
    assert_close(value, np.sum(np.sin(x_np) * 1.5))
    assert_close(g, np.array(0.0))
    _, (tangent,) = mx.jvp(loss, [c], [arr(1.0)])
    assert_close(tangent, np.array(0.0))


def make_pair():
    """(x, y) -> (x * y, x + sin(y)) with a deliberately wrong vjp and jvp."""

    @mx.custom_function
    def pair(x, y):
        return x * y, x + mx.sin(y)

    @pair.vjp
    def pair_vjp(primals, cotangents, outputs):
        ct_prod, ct_sum = cotangents
        return 2.0 * ct_prod + ct_sum, -ct_sum

    @pair.jvp
    def pair_jvp(primals, tangents):
        tx, ty = tangents
        return tx + ty, 10.0 * tx

    return pair


def test_multiple_inputs_and_outputs(rng):
    x_np, y_np = rng.uniform(-1.0, 1.0, (2, 5))
    pair = make_pair()
    x, y = arr(x_np), arr(y_np)
    prod, total = pair(x, y)
    assert_close(prod, x_np * y_np)
    assert_close(total, x_np + np.sin(y_np))
    c1, c2 = rng.standard_normal((2, 5))
    _, (gx, gy) = mx.vjp(pair, [x, y], [arr(c1), arr(c2)])
    assert_close(gx, 2.0 * c1 + c2)
    assert_close(gy, -c2)
    t1, t2 = rng.standard_normal((2, 5))
    _, (dprod, dsum) = mx.jvp(pair, [x, y], [arr(t1), arr(t2)])
    assert_close(dprod, t1 + t2)
    assert_close(dsum, 10.0 * t1)


def test_unused_output_gets_a_zero_cotangent(rng):
    x_np, y_np = rng.uniform(-1.0, 1.0, (2, 5))
    pair = make_pair()
    grads = mx.grad(lambda x, y: mx.sum(pair(x, y)[0]), argnums=(0, 1))
    gx, gy = grads(arr(x_np), arr(y_np))
    assert_close(gx, np.full(5, 2.0))
    assert_close(gy, np.zeros(5))


def tanh_layer(x, w):
    return mx.tanh(x @ w) * mx.sin(x @ w)


def test_checkpoint_value_and_gradient(rng):
    x_np = rng.uniform(-1.0, 1.0, (4, 3))
    w_np = rng.uniform(-1.0, 1.0, (3, 2))
    x, w = arr(x_np), arr(w_np)
    ckpt = mx.checkpoint(tanh_layer)
    assert_close(ckpt(x, w), np.array(tanh_layer(x, w)))

    def loss(fn):
        return lambda a, b: mx.sum(mx.square(fn(a, b)))

    want = mx.grad(loss(tanh_layer), argnums=(0, 1))(x, w)
    got = mx.grad(loss(ckpt), argnums=(0, 1))(x, w)
    for g, v in zip(got, want):
        assert_close(g, np.array(v))
    tx, tw = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    _, (jc,) = mx.jvp(ckpt, [x, w], [arr(tx), arr(tw)])
    _, (jf,) = mx.jvp(tanh_layer, [x, w], [arr(tx), arr(tw)])
    assert_close(jc, np.array(jf))


def test_checkpoint_grad_of_grad():
    def f(x):
        return mx.sin(x) * x

    x = 0.7
    second = mx.grad(mx.grad(mx.checkpoint(f)))(arr(x))
    assert_close(second, np.array(2.0 * np.cos(x) - x * np.sin(x)))
    third = mx.grad(mx.grad(mx.grad(mx.checkpoint(f))))(arr(x))
    assert_close(third, np.array(-3.0 * np.sin(x) - x * np.cos(x)))


def test_checkpoint_multiple_outputs(rng):
    x_np = rng.uniform(-1.0, 1.0, (5,))

    def two(x):
        return mx.exp(x), mx.sum(x * x)

    ckpt = mx.checkpoint(two)
    a, b = ckpt(arr(x_np))
    assert_close(a, np.exp(x_np))
    assert_close(b, np.array(np.sum(x_np**2)))
    g = mx.grad(lambda x: mx.sum(ckpt(x)[0]) + ckpt(x)[1])(arr(x_np))
    assert_close(g, np.exp(x_np) + 2.0 * x_np)


@pytest.mark.parametrize("in_axes", [(0, None), (1, None), (0, 2)])
def test_checkpoint_under_vmap(rng, in_axes):
    x_np = rng.uniform(-1.0, 1.0, (5, 4, 3))
    w_np = rng.uniform(-1.0, 1.0, (3, 2, 5))
    x = arr(x_np if in_axes[0] == 0 else np.moveaxis(x_np, 0, 1))
    w = arr(w_np[..., 0] if in_axes[1] is None else w_np)
    got = mx.vmap(mx.checkpoint(tanh_layer), in_axes=in_axes)(x, w)
    want = mx.vmap(tanh_layer, in_axes=in_axes)(x, w)
    assert_close(got, np.array(want))

    def loss(fn):
        return lambda a, b: mx.sum(mx.vmap(fn, in_axes=in_axes)(a, b))

    g_ckpt = mx.grad(loss(mx.checkpoint(tanh_layer)), argnums=(0, 1))(x, w)
    g_plain = mx.grad(loss(tanh_layer), argnums=(0, 1))(x, w)
    for g, v in zip(g_ckpt, g_plain):
        assert_close(g, np.array(v))


def test_vmap_of_grad_of_checkpoint(rng):
    x_np = rng.uniform(-1.0, 1.0, (6,))
    per_example = mx.vmap(mx.grad(mx.checkpoint(lambda x: mx.sin(x) * x)))
    assert_close(per_example(arr(x_np)), np.cos(x_np) * x_np + np.sin(x_np))


def test_keyword_arguments_reach_the_rules():
    # Keywords are passed through to the rules and never differentiated.
    @mx.custom_function
    def scaled(x, y, scale=1.0):
        return x * y * scale

    @scaled.vjp
    def scaled_vjp(primals, cotangent, output, scale=1.0):
        x, y = primals
        return cotangent * y * scale * 10.0, cotangent * x * scale * 10.0

    @scaled.jvp
    def scaled_jvp(primals, tangents, scale=1.0):
        (x, y), (tx, ty) = primals, tangents
        return (tx * y + ty * x) * scale * 100.0

    x, y = arr(2.0), arr(3.0)
    gx, gy = mx.grad(scaled, argnums=(0, 1))(x, y, scale=5.0)
    assert_close(gx, np.array(3.0 * 5.0 * 10.0))
    assert_close(gy, np.array(2.0 * 5.0 * 10.0))
    _, (t,) = mx.jvp(lambda a, b: scaled(a, b, scale=2.0), [x, y], [arr(1.0), arr(0.0)])
    assert_close(t, np.array(3.0 * 2.0 * 100.0))

    @scaled.vmap
    def scaled_vmap(inputs, axes):
        return inputs[0] * inputs[1], axes[0]

    with pytest.raises(ValueError):
        mx.vmap(lambda a: scaled(a, y, scale=2.0))(mx.ones(3, F64))


@pytest.mark.parametrize(
    "make", [mx.grad, mx.value_and_grad, mx.vmap, mx.checkpoint, mx.custom_function]
)
def test_transforms_need_a_callable(make):
    with pytest.raises(TypeError):
        make(3)
