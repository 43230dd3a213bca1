"""vmap rules: one table row per op, a Python loop over the batch as the oracle.

Every row lists the unbatched input shapes and the in_axes to try; the
batched inputs get a batch of size B inserted at those axes (None: the input
is shared). mx.vmap(f) must equal f applied to each slice, stacked by numpy
at the requested out_axes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pytest

import mlx.core as mx
from oracle import assert_close

B = 5


@dataclass
class VOp:
    """One row: fn of mx arrays, its unbatched shapes, the in_axes to try.

    Args:
        name: the test id.
        fn: maps float32 mx arrays to one array.
        shapes: unbatched shape of each input.
        in_axes: tuples with one batch axis (or None) per input.
        domain: (low, high) of the inputs, where fn is finite.
    """

    name: str
    fn: Callable
    shapes: tuple
    in_axes: list
    domain: tuple = (-1.0, 1.0)


M34 = ((3, 4),)
M31 = ((3, 1),)
M26 = ((2, 6),)
WHERE_SHAPES = ((3, 4), (3, 4), (4,))
CUBE = ((2, 3, 4),)
PAIR = ((3, 4), (3, 4))
UNARY_AXES = [(0,), (1,), (2,), (-1,)]
CUBE_AXES = [(0,), (2,), (3,)]
PAIR_AXES = [(0, 0), (0, None), (None, 0), (1, 0), (2, -1)]
MATMUL_AXES = [(0, 0), (0, None), (None, 0), (1, 2), (2, 0), (-1, 1)]
WHERE_AXES = [(0, 0, 0), (None, 0, None), (0, None, None), (1, 0, 0), (0, 2, None)]

UNARY = [
    ("abs", -1.0, 1.0),
    ("negative", -1.0, 1.0),
    ("square", -1.0, 1.0),
    ("sqrt", 0.1, 2.0),
    ("rsqrt", 0.1, 2.0),
    ("reciprocal", 0.1, 2.0),
    ("exp", -2.0, 2.0),
    ("expm1", -2.0, 2.0),
    ("log", 0.1, 2.0),
    ("log1p", 0.1, 2.0),
    ("sin", -2.0, 2.0),
    ("cos", -2.0, 2.0),
    ("tan", -1.0, 1.0),
    ("tanh", -2.0, 2.0),
    ("arcsin", -0.9, 0.9),
    ("arccosh", 1.1, 3.0),
    ("arctanh", -0.9, 0.9),
    ("erf", -2.0, 2.0),
    ("erfinv", -0.9, 0.9),
    ("sigmoid", -3.0, 3.0),
    ("conjugate", -1.0, 1.0),
    ("floor", -3.0, 3.0),
    ("sign", -1.0, 1.0),
]
BINARY = [
    ("add", (-1.0, 1.0)),
    ("subtract", (-1.0, 1.0)),
    ("multiply", (-1.0, 1.0)),
    ("divide", (0.5, 2.0)),
    ("power", (0.5, 2.0)),
    ("maximum", (-1.0, 1.0)),
    ("minimum", (-1.0, 1.0)),
    ("arctan2", (-1.0, 1.0)),
    ("logaddexp", (-2.0, 2.0)),
    ("remainder", (0.5, 3.0)),
]
# Repeated and negative indices.
TAKE_IDX = mx.array([2, 0, 2, -1])
PAIR_I, PAIR_J = mx.array([1, 0, 1]), mx.array([3, 3, 0])
AT_IDX = mx.array([0, 2, 0])
REDUCTIONS = ["sum", "prod", "max", "min", "mean", "var", "std", "logsumexp"]


def setitem_then_scale(a, b):
    x = mx.zeros((3, 4))
    x[1:3] = a
    return x * b


def take_by_argmax(a, b):
    """Indices computed from a (possibly) mapped input."""
    return mx.take(a, mx.argmax(b, axis=0), axis=1)


def sort_by_other(a, b):
    return mx.take_along_axis(a, mx.argsort(b, axis=1), axis=1)


def concat_first(a, b):
    return mx.concatenate([a, b])


def concat_last(a, b):
    return mx.concatenate([a, b], axis=-1)


STRUCTURED = [
    VOp("reshape", lambda a: mx.reshape(a, (4, -1)), CUBE, CUBE_AXES),
    VOp("transpose", lambda a: mx.transpose(a, (2, 0, 1)), CUBE, CUBE_AXES),
    VOp("transpose[default]", mx.transpose, CUBE, CUBE_AXES),
    VOp("swapaxes", lambda a: mx.swapaxes(a, 0, -1), CUBE, CUBE_AXES),
    VOp("moveaxis", lambda a: mx.moveaxis(a, 2, 0), CUBE, CUBE_AXES),
    VOp("squeeze", lambda a: mx.squeeze(a, 1), ((2, 1, 3),), CUBE_AXES),
    VOp("squeeze[all]", mx.squeeze, ((2, 1, 3),), CUBE_AXES),
    VOp("expand_dims", lambda a: mx.expand_dims(a, (0, -1)), M34, UNARY_AXES),
    VOp("broadcast_to", lambda a: mx.broadcast_to(a, (2, 3, 4)), M31, UNARY_AXES),
    VOp("flatten", mx.flatten, CUBE, CUBE_AXES),
    VOp("flatten[1:]", lambda a: mx.flatten(a, 1), CUBE, CUBE_AXES),
    VOp("astype", lambda a: a.astype(mx.float64), M34, UNARY_AXES),
    VOp("clip", lambda a: mx.clip(a, -0.5, 0.5), M34, UNARY_AXES),
    VOp("stack", lambda a, b: mx.stack([a, b], axis=1), PAIR, PAIR_AXES),
    VOp("concatenate", concat_first, ((2, 4), (3, 4)), PAIR_AXES),
    VOp("concatenate[-1]", concat_last, ((3, 2), (3, 4)), PAIR_AXES),
    VOp("split[piece 1]", lambda a: mx.split(a, 3, axis=1)[1], M26, UNARY_AXES),
    VOp("matmul", mx.matmul, ((3, 4), (4, 6)), MATMUL_AXES),
    VOp("matmul[vector]", mx.matmul, ((4,), (4, 6)), [(0, 0), (None, 1), (1, None)]),
    VOp("matmul[batched]", mx.matmul, ((2, 3, 4), (4, 6)), [(0, 0), (3, None)]),
    # Batch dimensions that broadcast against each other (BroadcastBatch).
    VOp("matmul[broadcast]", mx.matmul, ((2, 1, 3, 4), (5, 4, 2)),
        [(0, 0), (0, None), (None, 1), (4, 3)]),
    VOp("where", lambda c, x, y: mx.where(c > 0, x, y), WHERE_SHAPES, WHERE_AXES),
    VOp("getitem[1:3]", lambda a: a[1:3], M34, UNARY_AXES),
    VOp("getitem[:,::-1]", lambda a: a[:, ::-1], M34, UNARY_AXES),
    VOp("getitem[None,1:,2]", lambda a: a[None, 1:, 2], M34, UNARY_AXES),
    VOp("getitem[...,0]", lambda a: a[..., 0], CUBE, CUBE_AXES),
    VOp("setitem", setitem_then_scale, ((2, 4), (4,)), PAIR_AXES[:4]),
    VOp("getitem[i,:,j]", lambda a: a[PAIR_I, :, PAIR_J], CUBE, CUBE_AXES),
    VOp("getitem[:,idx]", lambda a: a[:, TAKE_IDX], M34, UNARY_AXES),
    VOp("getitem[mapped idx]", lambda a, b: a[mx.argmax(b, axis=0)], PAIR, PAIR_AXES),
    VOp("at.add", lambda a, b: a.at[AT_IDX].add(b), PAIR, PAIR_AXES),
    VOp("take", lambda a: mx.take(a, TAKE_IDX, axis=1), M34, UNARY_AXES),
    VOp("take[flat]", lambda a: mx.take(a, TAKE_IDX), M34, UNARY_AXES),
    VOp("take[mapped idx]", take_by_argmax, PAIR, PAIR_AXES),
    VOp("take_along_axis", sort_by_other, PAIR, PAIR_AXES),
    VOp("cumsum", partial(mx.cumsum, axis=1), CUBE, CUBE_AXES),
    VOp("cumsum[flat,reverse]", partial(mx.cumsum, reverse=True), CUBE, CUBE_AXES),
    VOp("cumsum[excl]", lambda a: mx.cumsum(a, -1, inclusive=False), M34, UNARY_AXES),
    VOp("sort", partial(mx.sort, axis=0), CUBE, CUBE_AXES),
    VOp("sort[flat]", partial(mx.sort, axis=None), CUBE, CUBE_AXES),
    VOp("argsort", partial(mx.argsort, axis=-1), CUBE, CUBE_AXES),
]


def rows():
    table = [VOp(n, getattr(mx, n), M34, UNARY_AXES, (lo, hi)) for n, lo, hi in UNARY]
    for name, domain in BINARY:
        fn = getattr(mx, name)
        table.append(VOp(name, fn, ((3, 4), (3, 4)), PAIR_AXES, domain))
        table.append(VOp(f"{name}[bcast]", fn, ((3, 4), (4,)), PAIR_AXES, domain))
        table.append(VOp(f"{name}[scalar]", fn, ((), (3,)), [(0, 0), (0, 1)], domain))
    for name in REDUCTIONS:
        for axis in (None, 0, -1, (0, 2)):
            for keepdims in (False, True):
                fn = partial(getattr(mx, name), axis=axis, keepdims=keepdims)
                label = f"{name}[axis={axis},keepdims={keepdims}]"
                table.append(VOp(label, fn, CUBE, CUBE_AXES, (0.5, 1.5)))
    for axis in (None, 1, (0, 2)):
        fn = partial(mx.softmax, axis=axis)
        table.append(VOp(f"softmax[axis={axis}]", fn, CUBE, CUBE_AXES))
    for name in ("argmax", "argmin"):
        fn = partial(getattr(mx, name), axis=1)
        table.append(VOp(f"{name}[axis=1]", fn, CUBE, CUBE_AXES))
    return table + STRUCTURED


TABLE = rows()
CASES = [(op, axes) for op in TABLE for axes in op.in_axes]
IDS = [f"{op.name}-{axes}" for op, axes in CASES]


def batched_inputs(rng, shapes, in_axes, domain):
    """numpy inputs with a batch of B inserted at each input's axis."""
    xs = []
    for shape, ax in zip(shapes, in_axes):
        x = rng.uniform(*domain, shape).astype(np.float32)
        if ax is not None:
            stacked = rng.uniform(*domain, (B, *shape)).astype(np.float32)
            x = np.moveaxis(stacked, 0, ax)
        xs.append(np.asarray(x))
    return xs


def take(xs, in_axes, b):
    """Element b of the batch: each mapped input sliced at its axis."""
    return [x if ax is None else np.take(x, b, axis=ax) for x, ax in zip(xs, in_axes)]


def looped(fn, xs, in_axes, out_axis):
    """fn on each slice of the batch, stacked by numpy at out_axis."""
    size = next(x.shape[ax] for x, ax in zip(xs, in_axes) if ax is not None)
    outs = [np.array(fn(*map(mx.array, take(xs, in_axes, b)))) for b in range(size)]
    return np.stack(outs, axis=out_axis)


def check(batched_fn, fn, xs, in_axes, out_axis):
    got = batched_fn(*[mx.array(x) for x in xs])
    want = looped(fn, xs, in_axes, out_axis)
    assert_close(got, want, scale=4)


@pytest.mark.parametrize("op, in_axes", CASES, ids=IDS)
def test_vmap(rng, op, in_axes):
    xs = batched_inputs(rng, op.shapes, in_axes, op.domain)
    check(mx.vmap(op.fn, in_axes=in_axes), op.fn, xs, in_axes, 0)


@pytest.mark.parametrize("op, in_axes", CASES, ids=IDS)
def test_vmap_out_axes(rng, op, in_axes):
    xs = batched_inputs(rng, op.shapes, in_axes, op.domain)
    out_ndim = op.fn(*map(mx.array, take(xs, in_axes, 0))).ndim
    for out_axes in (-1, 1) if out_ndim >= 1 else (-1,):
        fn = mx.vmap(op.fn, in_axes=in_axes, out_axes=out_axes)
        check(fn, op.fn, xs, in_axes, out_axes)


# fn, unbatched shapes, inner in_axes, outer in_axes
NESTED = [
    (mx.add, ((3,), (3,)), (0, 0), (0, 0)),
    (mx.multiply, ((3,), (3,)), (0, None), (1, 0)),
    (mx.matmul, ((3, 4), (4, 2)), (0, None), (None, 2)),
    (lambda a: mx.sum(a, axis=-1), ((3, 4),), (1,), (0,)),
    (lambda a: mx.softmax(a, axis=0), ((4,),), (0,), (1,)),
    (lambda a: a[1:, None], ((3,),), (0,), (0,)),
]


@pytest.mark.parametrize("fn, shapes, inner, outer", NESTED)
def test_nested_vmap(rng, fn, shapes, inner, outer):
    # The outer batch has B elements, the inner one B + 1.
    xs = [rng.uniform(-1.0, 1.0, s).astype(np.float32) for s in shapes]
    for i, (ax_in, ax_out) in enumerate(zip(inner, outer)):
        if ax_in is not None:
            xs[i] = np.stack([xs[i] + k for k in range(B + 1)], axis=ax_in)
        if ax_out is not None:
            xs[i] = np.stack([xs[i] * (k + 1) for k in range(B)], axis=ax_out)
    got = mx.vmap(mx.vmap(fn, in_axes=inner), in_axes=outer)(*map(mx.array, xs))
    want = [looped(fn, take(xs, outer, b), inner, 0) for b in range(B)]
    assert_close(got, np.stack(want), scale=4)


def test_unmapped_output_is_broadcast(rng):
    x = rng.uniform(-1.0, 1.0, (B, 3)).astype(np.float32)
    y = rng.uniform(-1.0, 1.0, (4,)).astype(np.float32)
    out = mx.vmap(lambda a, b: 2.0 * b, in_axes=(0, None))(mx.array(x), mx.array(y))
    assert_close(out, np.broadcast_to(2.0 * y, (B, 4)))
    both = mx.vmap(lambda a, b: (a + 1.0, b), in_axes=(0, None), out_axes=(1, 0))
    first, second = both(mx.array(x), mx.array(y))
    assert_close(first, (x + 1.0).T)
    assert_close(second, np.broadcast_to(y, (B, 4)))


def loss(w, x):
    """A small nonlinear model: sum(tanh(x @ w) ** 2)."""
    return mx.sum(mx.square(mx.tanh(x @ w)))


def loss_grad64(w, x):
    """d loss / d w in float64 numpy: x^T (2 t (1 - t^2)) with t = tanh(x w)."""
    t = np.tanh(x.astype(np.float64) @ w.astype(np.float64))
    dt = 2 * t * (1 - t**2)
    return np.outer(x, dt) if x.ndim == 1 else x.T @ dt


def test_vmap_of_grad_gives_per_example_gradients(rng):
    w = rng.uniform(-1.0, 1.0, (4, 3)).astype(np.float32)
    xs = rng.uniform(-1.0, 1.0, (B, 4)).astype(np.float32)
    per_example = mx.vmap(mx.grad(loss), in_axes=(None, 0))(mx.array(w), mx.array(xs))
    assert per_example.shape == (B, 4, 3)
    assert_close(per_example, np.stack([loss_grad64(w, x) for x in xs]), scale=4)
    # Mapping over the weights as well, with the batch last in the inputs.
    ws = rng.uniform(-1.0, 1.0, (4, 3, B)).astype(np.float32)
    both = mx.vmap(mx.grad(loss), in_axes=(2, 1))(mx.array(ws), mx.array(xs.T))
    want = [loss_grad64(ws[..., b], xs[b]) for b in range(B)]
    assert_close(both, np.stack(want), scale=4)


def test_grad_of_vmap(rng):
    w = rng.uniform(-1.0, 1.0, (4, 3)).astype(np.float32)
    xs = rng.uniform(-1.0, 1.0, (B, 4)).astype(np.float32)

    def batch_loss(w_):
        return mx.sum(mx.vmap(loss, in_axes=(None, 0))(w_, mx.array(xs)))

    got = mx.grad(batch_loss)(mx.array(w))
    assert_close(got, loss_grad64(w, xs), scale=4)
    # Gradient with respect to the mapped argument: one row per example.
    got_x = mx.grad(lambda x: mx.sum(mx.vmap(loss, in_axes=(None, 0))(mx.array(w), x)))
    t = np.tanh(xs.astype(np.float64) @ w)
    assert_close(got_x(mx.array(xs)), (2 * t * (1 - t**2)) @ w.T, scale=4)


def test_vmap_errors():
    with pytest.raises(ValueError):
        mx.vmap(mx.add)(mx.ones((3, 4)), mx.ones((5, 4)))
    # An axis outside the input is an IndexError, as in MLX.
    with pytest.raises(IndexError):
        mx.vmap(mx.sin, in_axes=2)(mx.ones((3, 4)))
    with pytest.raises(IndexError):
        mx.vmap(mx.sin, in_axes=-3)(mx.ones((3, 4)))
    with pytest.raises(IndexError):
        mx.vmap(mx.sin, out_axes=2)(mx.ones((3, 4)))
    with pytest.raises(TypeError):
        mx.vmap(mx.sin, in_axes=None)(mx.ones((3, 4)))
