"""Gradient checks for every differentiable op: one table row per op.

Every row is checked, for each combination of input shapes it lists, three
ways: mx.vjp against central finite differences in float64, mx.jvp against
the same differences along a random direction, and mx.grad of the summed
outputs against the vjp with cotangents of ones.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pytest

import mlx.core as mx
from oracle import assert_close

F64 = mx.float64
EPS = 1e-6
RTOL = ATOL = 1e-5


@dataclass
class Op:
    """One row of the table.

    Args:
        name: the test id.
        fn: maps float64 mx arrays to an array or a list of arrays.
        shapes: combinations of input shapes, one tuple of shapes each.
        domain: (low, high) for every input, or a list with one per input,
            chosen so that fn is smooth there.
        note: why the domain or the function looks the way it does.
        signed: draw magnitudes from the domain and give them random signs.
        eps: finite-difference step (larger only where the op rounds).
    """

    name: str
    fn: Callable
    shapes: list
    domain: tuple | list = (-1.0, 1.0)
    note: str = ""
    signed: bool = False
    eps: float = EPS


UNARY = [((),), ((5,),), ((3, 4),), ((2, 3, 2),)]
BINARY = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((2, 1, 3), (1, 4, 1)),
    ((), (3,)),
    ((2, 3), ()),
]
CUBE = [((2, 3, 4),)]
# Broadcasts against the (4,) condition of `where`.
WHERE_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), ()), ((4,), (3, 1))]
CONDITION = mx.array([True, False, False, True])
# Fixed 4-bit codes for the dequantize row (two rows of one group of 32).
QW = mx.array(np.arange(8, dtype=np.uint32).reshape(2, 4) * 0x11111111)
CLIP_DOMAIN = [(-1.0, 1.0), (-0.6, -0.2), (0.2, 0.6)]
# Indices with repeats (their gradients accumulate) and negative entries.
TAKE_IDX = mx.array([2, 0, 2, -1])
ALONG_IDX = mx.array([[0, 3, 3, 1, 0], [2, 2, -1, 0, 1], [1, 0, 3, 3, 3]])
PAIR_I, PAIR_J = mx.array([1, 0, 1]), mx.array([3, 3, 0])
AT_IDX = mx.array([0, 2, 0, 3, 2])
# Distinct per row: with repeats, which value lands is undefined.
PUT_IDX = mx.array([[3, 0], [1, 2], [-1, 0]])
MATMUL_SHAPES = [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((2, 3, 4), (4, 5)),
    ((2, 1, 3, 4), (3, 4, 2)),
]


def unary(name, low=-1.0, high=1.0, note="", **opts):
    return Op(name, getattr(mx, name), UNARY, (low, high), note, **opts)


def binary(name, domain=(-1.0, 1.0), note="", **opts):
    return Op(name, getattr(mx, name), BINARY, domain, note, **opts)


def setitem_then_scale(a, b):
    x = mx.zeros((4, 3), dtype=F64)
    x[1:3] = a
    return x * b


def put_along(a, values):
    return mx.put_along_axis(a, PUT_IDX, values, axis=1)


def prod_with_zero(a):
    """Row 0 holds an exact zero (a[0, 0] - a[0, 0])."""
    return mx.prod(a - a[0, 0], axis=1)


def concatenate3(a, b, c):
    return mx.concatenate([a, b, c], axis=1)


def round_trip(a):
    """float64 -> float32 -> float64: linear up to rounding, so FD with a
    step of 0.25 is exact to about 1e-7."""
    return a.astype(mx.float32).astype(F64)


def reductions():
    """sum ... logsumexp over None, one axis, a negative axis and a tuple."""
    # name, domain, signed
    families = [
        ("sum", (-1.0, 1.0), False),
        ("prod", (0.5, 1.5), True),
        ("max", (-1.0, 1.0), False),
        ("min", (-1.0, 1.0), False),
        ("mean", (-1.0, 1.0), False),
        ("var", (-1.0, 1.0), False),
        ("std", (-1.0, 1.0), False),
        ("logsumexp", (-3.0, 3.0), False),
    ]
    rows = []
    for name, domain, signed in families:
        for axis in (None, 1, -1, (0, 2)):
            for keepdims in (False, True):
                fn = partial(getattr(mx, name), axis=axis, keepdims=keepdims)
                label = f"{name}[axis={axis},keepdims={keepdims}]"
                rows.append(Op(label, fn, CUBE, domain, signed=signed))
    for axis in (None, 0, -1, (0, 2)):
        fn = partial(mx.softmax, axis=axis)
        rows.append(Op(f"softmax[axis={axis}]", fn, CUBE, (-3.0, 3.0)))
    return rows


OPS = [
    # Unary elementwise.
    unary("abs", 0.1, 2.0, "kink at 0", signed=True),
    unary("negative"),
    unary("square", -2.0, 2.0),
    unary("sqrt", 0.1, 3.0),
    unary("rsqrt", 0.2, 3.0),
    unary("reciprocal", 0.2, 2.0, "pole at 0", signed=True),
    unary("exp", -3.0, 3.0),
    unary("expm1", -2.0, 2.0),
    unary("log", 0.1, 3.0),
    unary("log1p", -0.8, 3.0),
    unary("log2", 0.1, 3.0),
    unary("log10", 0.1, 3.0),
    unary("sin", -3.0, 3.0),
    unary("cos", -3.0, 3.0),
    unary("tan", -1.2, 1.2),
    unary("arcsin", -0.9, 0.9),
    unary("arccos", -0.9, 0.9),
    unary("arctan", -3.0, 3.0),
    unary("sinh", -2.0, 2.0),
    unary("cosh", -2.0, 2.0),
    unary("tanh", -2.0, 2.0),
    unary("arcsinh", -3.0, 3.0),
    unary("arccosh", 1.1, 3.0),
    unary("arctanh", -0.9, 0.9),
    unary("erf", -2.0, 2.0),
    unary("erfinv", -0.9, 0.9),
    unary("sigmoid", -4.0, 4.0),
    unary("conjugate", note="real input: the identity"),
    # Binary elementwise, with broadcasting.
    binary("add"),
    binary("subtract"),
    binary("multiply"),
    binary("divide", [(-1.0, 1.0), (0.5, 2.0)], "pole at b = 0", signed=True),
    binary("power", [(0.2, 2.0), (-2.0, 2.0)], "positive base"),
    binary("maximum", note="continuous inputs are never tied"),
    binary("minimum", note="continuous inputs are never tied"),
    binary("arctan2", [(0.5, 2.0), (-2.0, 2.0)], "away from the origin and cut"),
    binary("logaddexp", (-3.0, 3.0)),
    # a / b stays in (2.09, 2.8) or (-2.8, -2.09), away from the jumps of floor.
    binary("remainder", [(2.2, 2.8), (1.0, 1.05)]),
    Op("remainder[a<0]", mx.remainder, BINARY, [(-2.8, -2.2), (1.0, 1.05)]),
    Op("where", partial(mx.where, CONDITION), WHERE_SHAPES, note="fixed condition"),
    # Reductions.
    *reductions(),
    Op("var[ddof=1]", partial(mx.var, axis=1, ddof=1), CUBE),
    Op("std[ddof=1]", partial(mx.std, axis=(0, 2), ddof=1), CUBE),
    Op("prod[zero]", prod_with_zero, [((3, 4),)], note="the gradient is not prod / x"),
    # Shape ops.
    Op("reshape", lambda a: mx.reshape(a, (4, -1)), CUBE),
    Op("transpose", lambda a: mx.transpose(a, (2, 0, 1)), CUBE),
    Op("transpose[default]", mx.transpose, CUBE),
    Op("swapaxes", lambda a: mx.swapaxes(a, 0, 2), CUBE),
    Op("moveaxis", lambda a: mx.moveaxis(a, 0, -1), CUBE),
    Op("squeeze", lambda a: mx.squeeze(a, 1), [((2, 1, 3, 1),)]),
    Op("squeeze[all]", mx.squeeze, [((2, 1, 3, 1),)]),
    Op("expand_dims", lambda a: mx.expand_dims(a, (0, 2)), [((3, 4),)]),
    Op("broadcast_to", lambda a: mx.broadcast_to(a, (2, 3, 5, 4)), [((3, 1, 4),)]),
    Op("flatten", lambda a: mx.flatten(a, 1, 2), CUBE),
    Op("flatten[all]", mx.flatten, CUBE),
    Op("concatenate", concatenate3, [((2, 3), (2, 1), (2, 4))]),
    Op("stack", lambda a, b: mx.stack([a, b], axis=1), [((2, 3), (2, 3))]),
    Op("split", lambda a: mx.split(a, 3, axis=1), [((2, 6),)], note="every piece"),
    Op("split[indices]", lambda a: mx.split(a, [1, 4], axis=1), [((2, 6),)]),
    Op("split[piece 1]", lambda a: mx.split(a, 3)[1], [((6, 2),)], note="rest unused"),
    Op("getitem[1:3,::-1]", lambda a: a[1:3, ::-1], [((4, 5),)]),
    Op("getitem[None,0]", lambda a: a[None, 0], [((4, 5),)]),
    Op("setitem", setitem_then_scale, [((2, 3), (4, 3)), ((3,), (3,))]),
    Op("getitem[idx]", lambda a: a[TAKE_IDX], [((4, 3),)], note="repeated rows"),
    Op("getitem[i,:,j]", lambda a: a[PAIR_I, :, PAIR_J], CUBE),
    Op("take[axis=1]", lambda a: mx.take(a, TAKE_IDX, axis=1), [((3, 4),)]),
    Op("take_along_axis", lambda a: mx.take_along_axis(a, ALONG_IDX, 1), [((3, 4),)]),
    Op("at.add", lambda x, u: x.at[AT_IDX].add(u), [((4, 3), (5, 3)), ((4, 3), (3,))]),
    Op("put_along_axis", put_along, [((3, 4), (3, 2)), ((3, 4), (1, 2))]),
    # Scans and sorting; continuous inputs are never tied.
    Op("cumsum", partial(mx.cumsum, axis=1, reverse=True), CUBE),
    Op("cumprod", partial(mx.cumprod, axis=-1), CUBE, (0.5, 1.5), signed=True),
    Op("logcumsumexp", partial(mx.logcumsumexp, axis=0), CUBE, (-3.0, 3.0)),
    Op("cummax", partial(mx.cummax, axis=2), CUBE),
    Op("cummin", partial(mx.cummin, axis=0, reverse=True), CUBE),
    Op("sort", partial(mx.sort, axis=1), CUBE),
    Op("topk", lambda a: mx.topk(a, 2, axis=-1), CUBE, note="order is deterministic"),
    Op("astype", round_trip, [((3, 4),)], note="rounds: a coarse step", eps=0.25),
    Op("matmul", mx.matmul, MATMUL_SHAPES),
    Op("einsum", partial(mx.einsum, "bij,bjk->bik"), [((2, 3, 4), (2, 4, 5))]),
    Op("linalg.inv", lambda a: mx.linalg.inv(a + 3 * mx.eye(3, dtype=a.dtype)),
       [((3, 3),)], note="shifted away from singular"),
    Op("linalg.solve", lambda a, b: mx.linalg.solve(a + 3 * mx.eye(3, dtype=a.dtype), b),
       [((3, 3), (3, 2))]),
    Op("linalg.eigvalsh", lambda a: mx.linalg.eigvalsh(a + a.T), [((3, 3),)],
       note="distinct eigenvalues almost surely"),
    Op("fast.gated_delta_update",
       lambda q, k, v, g, b: mx.fast.gated_delta_update(q, k, v, g, b)[0],
       [((1, 3, 1, 2), (1, 3, 1, 2), (1, 3, 2, 2), (1, 3, 2), (1, 3, 2))]),
    # eigh with its eigenvector output dropped: the rule recomputes it.
    Op("linalg.eigh[values]", lambda a: mx.linalg.eigh(a + a.T)[0], [((3, 3),)],
       note="distinct eigenvalues almost surely"),
    Op("einsum[trace]", partial(mx.einsum, "ii,ij->j"), [((3, 3), (3, 2))]),
    Op("conv1d", partial(mx.conv1d, stride=2, padding=1), [((2, 7, 3), (4, 3, 3))]),
    Op("conv2d", partial(mx.conv2d, padding=1, dilation=2), [((1, 5, 6, 2), (3, 2, 2, 2))]),
    Op("conv2d[groups]", partial(mx.conv2d, stride=2, groups=2), [((2, 5, 5, 4), (4, 3, 3, 2))]),
    Op("conv_transpose1d", partial(mx.conv_transpose1d, stride=2, output_padding=1),
       [((1, 4, 2), (3, 3, 2))]),
    Op("conv_general[flip]", partial(mx.conv_general, padding=([1], [0]), flip=True,
                                     input_dilation=2), [((1, 5, 2), (2, 2, 2))]),
    Op("tile", lambda a: mx.tile(a, (2, 1, 2)), CUBE),
    Op("repeat", lambda a: mx.repeat(a, 2, axis=1), CUBE),
    Op("roll", lambda a: mx.roll(a, (1, -1), (0, 2)), CUBE),
    Op("flip", lambda a: mx.flip(a, 1), CUBE),
    Op("pad[reflect]", lambda a: mx.pad(a, ((0, 1), (1, 1), (2, 0)), mode="reflect"), CUBE),
    # Constant padding is one Pad primitive; the pad value gets a gradient too.
    Op("pad[constant]", lambda a, v: mx.pad(a, ((1, 0), (0, 2), (1, 1)), constant_values=v),
       [((2, 3, 4), ())]),
    Op("diagonal", lambda a: mx.diagonal(a, 1, 1, 2), CUBE),
    Op("trace", lambda a: mx.trace(a, 0, 1, 2), CUBE),
    Op("tril", lambda a: mx.tril(a, -1), CUBE),
    Op("diff", lambda a: mx.diff(a, 2, axis=-1), CUBE),
    Op("kron", mx.kron, [((2, 3), (3, 2))]),
    Op("tensordot", lambda a, b: mx.tensordot(a, b, ([1, 2], [0, 1])), [((2, 3, 4), (3, 4, 2))]),
    Op("hadamard_transform", mx.hadamard_transform, [((3, 8),)]),
    Op("gather_mm", lambda a, b: mx.gather_mm(a, b, mx.array([1, 0, 1]), mx.array([0, 0, 1])),
       [((2, 3, 4), (2, 4, 2))]),
    Op("clip", lambda a: mx.clip(a, -0.5, 0.5), UNARY, (-1.0, 1.0)),
    Op("clip[array bounds]", mx.clip, [((3, 4), (4,), ())], CLIP_DOMAIN),
    Op("median", lambda a: mx.median(a, axis=(0, 2)), CUBE, note="distinct values a.s."),
    Op("dequantize[scales, biases]",
       lambda s_, b_: mx.dequantize(QW, s_, b_, 32, 4), [((2, 1), (2, 1))]),
    Op("fast.rms_norm", lambda x, w: mx.fast.rms_norm(x, w, 1e-5), [((3, 5), (5,))]),
    Op("fast.layer_norm", lambda x, w, b: mx.fast.layer_norm(x, w, b, 1e-5),
       [((2, 3, 4), (4,), (4,))]),
    Op("fast.layer_norm[no params]", lambda x: mx.fast.layer_norm(x, None, None, 1e-5),
       [((3, 4),)]),
    Op("fast.rope", partial(mx.fast.rope, dims=4, traditional=False, base=100.0, scale=0.5,
                            offset=3), [((2, 3, 6),)]),
    Op("fast.rope[traditional, freqs]",
       partial(mx.fast.rope, dims=4, traditional=True, base=None, scale=1.0, offset=1,
               freqs=mx.array([1.0, 3.0])), [((1, 2, 3, 4),)]),
    Op("fast.sdpa[gqa, causal]",
       partial(mx.fast.scaled_dot_product_attention, scale=0.7, mask="causal"),
       [((1, 4, 3, 2), (1, 2, 5, 2), (1, 2, 5, 3))]),
    Op("fast.sdpa[sinks, additive]",
       lambda q, k, v, s: mx.fast.scaled_dot_product_attention(
           q, k, v, scale=1.0, mask=mx.array([[0.0, -1.0, 0.5]], mx.float64), sinks=s),
       [((1, 2, 2, 2), (1, 2, 3, 2), (1, 2, 3, 2), (2,))]),
]

CASES = [(op, shapes) for op in OPS for shapes in op.shapes]
IDS = [f"{op.name}-{'&'.join(map(str, shapes))}" for op, shapes in CASES]


def as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def to_mx(xs):
    return [mx.array(x, dtype=F64) for x in xs]


def flat(arrays):
    return np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays])


def unflat(vector, shapes):
    """Splits a flat vector into arrays of the given shapes."""
    sizes = [int(np.prod(s)) for s in shapes]
    parts = np.split(vector, np.cumsum(sizes)[:-1])
    return [p.reshape(s) for p, s in zip(parts, shapes)]


def make_inputs(rng, op, shapes):
    domains = op.domain if isinstance(op.domain, list) else [op.domain] * len(shapes)
    xs = []
    for shape, (low, high) in zip(shapes, domains):
        x = rng.uniform(low, high, shape)
        if op.signed:
            x = x * rng.choice([-1.0, 1.0], shape)
        # 0-d inputs must be arrays (not numpy scalars) to be perturbed in place.
        xs.append(np.asarray(x, dtype=np.float64))
    return xs


def fd_jacobian(op, xs):
    """Central differences in float64: column k is d(outputs) / d(input k)."""
    columns = []
    for i, x in enumerate(xs):
        for j in range(x.size):
            values = []
            for step in (op.eps, -op.eps):
                moved = [y.copy() for y in xs]
                moved[i].reshape(-1)[j] += step
                values.append(flat(as_list(op.fn(*to_mx(moved)))))
            columns.append((values[0] - values[1]) / (2 * op.eps))
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("op, shapes", CASES, ids=IDS)
def test_vjp(rng, op, shapes):
    xs = make_inputs(rng, op, shapes)
    expected = as_list(op.fn(*to_mx(xs)))
    cotangents = [rng.standard_normal(o.shape) for o in expected]
    outs, vjps = mx.vjp(op.fn, to_mx(xs), to_mx(cotangents))
    assert len(outs) == len(expected)
    for out, want in zip(outs, expected):
        assert_close(out, np.array(want))
    want = unflat(flat(cotangents) @ fd_jacobian(op, xs), shapes)
    assert len(vjps) == len(xs)
    for got, w in zip(vjps, want):
        assert got.dtype == F64
        assert_close(got, w, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("op, shapes", CASES, ids=IDS)
def test_jvp(rng, op, shapes):
    xs = make_inputs(rng, op, shapes)
    tangents = [rng.standard_normal(s) for s in shapes]
    outs, jvps = mx.jvp(op.fn, to_mx(xs), to_mx(tangents))
    out_shapes = [tuple(o.shape) for o in outs]
    want = unflat(fd_jacobian(op, xs) @ flat(tangents), out_shapes)
    assert len(jvps) == len(outs)
    for got, w in zip(jvps, want):
        assert got.dtype == F64
        assert_close(got, w, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("op, shapes", CASES, ids=IDS)
def test_grad_is_vjp_with_ones(rng, op, shapes):
    xs = to_mx(make_inputs(rng, op, shapes))

    def total(*args):
        return sum(mx.sum(o) for o in as_list(op.fn(*args)))

    argnums = tuple(range(len(xs)))
    grads = mx.grad(total, argnums=argnums)(*xs)
    value, grads_too = mx.value_and_grad(total, argnums=argnums)(*xs)
    if len(argnums) == 1:
        # One position differentiated: MLX gives its gradient alone.
        grads, grads_too = (grads,), (grads_too,)
    outs = as_list(op.fn(*xs))
    _, vjps = mx.vjp(op.fn, xs, [mx.ones_like(o) for o in outs])
    assert_close(value, np.array(total(*xs)))
    assert len(grads) == len(grads_too) == len(vjps)
    for g, g_too, v in zip(grads, grads_too, vjps):
        assert_close(g, np.array(v))
        assert_close(g_too, np.array(v))


# name, f'' in numpy
SECOND_DERIVATIVES = [
    ("sin", lambda x: -np.sin(x)),
    ("cos", lambda x: -np.cos(x)),
    ("exp", np.exp),
    ("tanh", lambda x: -2 * np.tanh(x) / np.cosh(x) ** 2),
]


@pytest.mark.parametrize("name, second", SECOND_DERIVATIVES)
def test_second_derivative(rng, name, second):
    x_np = rng.uniform(-2.0, 2.0, (3, 4))
    fn = getattr(mx, name)
    # The first derivative is elementwise, so the gradient of its sum is f''.
    first = mx.grad(lambda x: mx.sum(fn(x)))
    got = mx.grad(lambda x: mx.sum(first(x)))(mx.array(x_np, dtype=F64))
    assert_close(got, second(x_np))


@pytest.mark.parametrize("name, second", SECOND_DERIVATIVES)
def test_second_derivative_of_scalar(name, second):
    fn = getattr(mx, name)
    got = mx.grad(mx.grad(fn))(mx.array(0.7, dtype=F64))
    assert_close(got, second(np.float64(0.7)))


def test_stop_gradient(rng):
    x_np = rng.uniform(-1.0, 1.0, (3, 4))
    x = mx.array(x_np, dtype=F64)
    zero = mx.grad(lambda a: mx.sum(mx.stop_gradient(a) * 3.0))(x)
    assert_close(zero, np.zeros((3, 4)))
    # Only the path that is not stopped contributes: d/da sum(sg(a) * a) = a.
    one_path = mx.grad(lambda a: mx.sum(mx.stop_gradient(a) * a))(x)
    assert_close(one_path, x_np)
    _, jvps = mx.jvp(mx.stop_gradient, [x], [mx.ones_like(x)])
    assert_close(jvps[0], np.zeros((3, 4)))


def test_astype_gradient_keeps_input_dtype(rng):
    x_np = rng.uniform(-1.0, 1.0, (5,)).astype(np.float32)
    x = mx.array(x_np)
    g = mx.grad(lambda a: mx.sum(mx.square(a.astype(F64))))(x)
    assert g.dtype == mx.float32
    assert_close(g, 2.0 * x_np.astype(np.float64))
    g64 = mx.grad(lambda a: mx.sum(mx.square(a.astype(mx.float32))))(x.astype(F64))
    assert g64.dtype == F64
    assert_close(g64, 2.0 * x_np.astype(np.float64), rtol=1e-6, atol=1e-6)


def test_grad_of_non_scalar_raises():
    x = mx.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        mx.grad(mx.sin)(x)
    with pytest.raises(ValueError):
        mx.grad(lambda a: a * 2.0)(mx.ones((2, 2)))


def test_grad_leaves_the_callers_containers_as_they_were():
    # Lists and dicts are traced in place (the function may change them, as
    # in MLX); tuples are rebuilt, and the caller's list gets its own tuple
    # back, holding the original arrays, not tracers.
    x, y, z = mx.array(1.5), mx.array(2.0), mx.array(-3.0)
    pair = (x, [y])
    arg = [pair, {"z": z}]
    g = mx.grad(lambda a: a[0][0] * a[0][1][0] * a[1]["z"])(arg)
    np.testing.assert_allclose([g[0][0].item(), g[0][1][0].item(), g[1]["z"].item()],
                               [2.0 * -3.0, 1.5 * -3.0, 1.5 * 2.0])
    assert arg[0] is pair and pair[0] is x and pair[1][0] is y and arg[1]["z"] is z
