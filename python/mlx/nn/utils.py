"""Transforms over a Module's parameters: value_and_grad, checkpoint, and
the distributed gradient helpers."""

from functools import wraps
from typing import Any, Callable, Optional

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.utils import tree_flatten, tree_map, tree_reduce, tree_unflatten  # noqa: F401


def _with_params(model: Module, fn: Callable):
    """fn as a function of the model's trainable parameters first."""

    def inner(params, *args, **kwargs):
        model.update(params)
        return fn(*args, **kwargs)

    return inner


def value_and_grad(model: Module, fn: Callable):
    """Wrap fn so that calling it returns fn's value and its gradient with
    respect to model.trainable_parameters() (a tree like the parameters)."""
    value_grad = mx.value_and_grad(_with_params(model, fn))

    @wraps(fn)
    def wrapped(*args, **kwargs):
        return value_grad(model.trainable_parameters(), *args, **kwargs)

    return wrapped


def checkpoint(module: Module, fn: Optional[Callable] = None):
    """Wrap fn (the module's __call__ by default) so that its intermediate
    values are recomputed in the backward pass instead of kept."""
    if fn is None:
        fn = module.__call__
    checkpointed = mx.checkpoint(_with_params(module, fn))

    @wraps(fn)
    def wrapped(*args, **kwargs):
        return checkpointed(module.trainable_parameters(), *args, **kwargs)

    return wrapped


def _group_size(group):
    group = group or mx.distributed.init()
    return group, group.size()


def average_gradients(
    gradients: Any,
    group: Optional[mx.distributed.Group] = None,
    all_reduce_size: int = 32 * 1024**2,
    communication_stream: Optional[mx.Stream] = None,
):
    """Average a gradient tree over the processes of group. Small arrays
    are concatenated into all-reduce batches of about all_reduce_size
    bytes; over a single process the tree is returned as is."""
    group, n = _group_size(group)
    if n == 1:
        return gradients

    def reduce_one(g):
        return mx.distributed.all_sum(g, group=group, stream=communication_stream) / n

    if all_reduce_size <= 0:
        return tree_map(reduce_one, gradients)

    flat = tree_flatten(gradients)
    out, batch, batch_bytes = [], [], 0

    def flush():
        nonlocal batch, batch_bytes
        if not batch:
            return
        dtype = batch[0][1].dtype
        joined = mx.concatenate([g.reshape(-1) for _, g in batch])
        reduced = reduce_one(joined)
        offsets = [0]
        for _, g in batch:
            offsets.append(offsets[-1] + g.size)
        for (k, g), lo, hi in zip(batch, offsets[:-1], offsets[1:]):
            out.append((k, reduced[lo:hi].reshape(g.shape).astype(dtype)))
        batch, batch_bytes = [], 0

    for k, g in flat:
        if batch and g.dtype != batch[0][1].dtype:
            flush()
        batch.append((k, g))
        batch_bytes += g.nbytes
        if batch_bytes >= all_reduce_size:
            flush()
    flush()
    return tree_unflatten(out)


def clip_grad_norm_sharded(gradients: Any, max_norm: float, group=None):
    """Clip a gradient tree whose arrays are shards spread over group to a
    global L2 norm of max_norm. Returns (clipped gradients, total norm)."""
    group, _ = _group_size(group)
    local = tree_reduce(lambda acc, g: acc + (g.astype(mx.float32) ** 2).sum(), gradients, 0.0)
    total = mx.sqrt(mx.distributed.all_sum(mx.array(local), group=group))
    scale = mx.minimum(max_norm / (total + 1e-6), 1.0)
    return tree_map(lambda g: g * scale, gradients), total
