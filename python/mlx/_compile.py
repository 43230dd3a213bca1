"""mx.compile: trace a function once on placeholder arrays and replay the
resulting program (csrc/transforms/compile.cpp) on every later call.

This module owns what is Python-shaped: argument trees, the state captured
with inputs=/outputs=, and the cache. A trace is keyed by the structure of
the arguments (containers, keys and constant values), the dtypes and the
shapes of every input array (only their number of dimensions for a
shapeless trace) and how many arrays the captured state holds.

The cache is shared by every compiled wrapper of the same function (so
``mx.compile(f)(x)`` in a loop traces once) and dropped when the last
wrapper is released.
"""

import functools
import threading
import weakref

from mlx import core as mx
from mlx._transforms import _rebuild_seq

_CONSTANT_TYPES = (type(None), bool, int, float, str)
_ARRAY = "array"

_lock = threading.Lock()
# One trace at a time: a trace temporarily puts placeholders into the
# caller's containers (captured state), which other threads may share.
_trace_lock = threading.RLock()
_entries = {}


class _Entry:
    __slots__ = ("users", "traces")

    def __init__(self):
        self.users = 0
        self.traces = {}


class _Trace:
    __slots__ = ("program", "n_outputs", "spec")

    def __init__(self, program, n_outputs, spec):
        self.program = program
        self.n_outputs = n_outputs
        self.spec = spec


def _describe(tree, arrays):
    """Appends tree's arrays to `arrays` and returns a hashable description
    of everything else: container types, keys and constant values."""
    if isinstance(tree, mx.array):
        arrays.append(tree)
        return _ARRAY
    if isinstance(tree, (list, tuple)):
        return (type(tree), tuple(_describe(x, arrays) for x in tree))
    if isinstance(tree, dict):
        return (type(tree), tuple((k, _describe(v, arrays)) for k, v in tree.items()))
    if isinstance(tree, _CONSTANT_TYPES):
        return (type(tree), tree)
    raise ValueError(
        "[compile] Function arguments must be trees of arrays and constants "
        f"(None, bool, int, float, str); got an object of type {type(tree).__name__}."
    )


def _array_leaves(tree, out=None):
    """The arrays of a captured-state tree; other leaves are ignored."""
    out = [] if out is None else out
    if isinstance(tree, mx.array):
        out.append(tree)
    elif isinstance(tree, (list, tuple)):
        for x in tree:
            _array_leaves(x, out)
    elif isinstance(tree, dict):
        for x in tree.values():
            _array_leaves(x, out)
    return out


def _fill(tree, new, log):
    """Replaces tree's arrays with next(new): lists and dicts in place (each
    change logged as (container, key, old, new) when `log` is a list),
    tuples rebuilt. Returns the (possibly new) tree."""
    if isinstance(tree, mx.array):
        return next(new)
    if isinstance(tree, (list, dict)):
        keys = range(len(tree)) if isinstance(tree, list) else list(tree)
        for k in keys:
            old = tree[k]
            value = _fill(old, new, log)
            if value is not old:
                tree[k] = value
                if log is not None:
                    log.append((tree, k, old, value))
        return tree
    if isinstance(tree, tuple):
        parts = [_fill(x, new, log) for x in tree]
        if any(p is not x for p, x in zip(parts, tree)):
            return _rebuild_seq(tree, parts)
    return tree


def _undo(log, everything):
    """Puts back what _fill replaced: every slot, or (after a successful
    trace) only those the function left as they were."""
    for container, key, old, value in reversed(log):
        try:
            if everything or container[key] is value:
                container[key] = old
        except (IndexError, KeyError):
            pass


def _output_spec(tree, arrays):
    """Like _describe for a function's result: arrays and constants only."""
    if isinstance(tree, mx.array):
        arrays.append(tree)
        return _ARRAY
    if isinstance(tree, (list, tuple)):
        return (type(tree), [_output_spec(x, arrays) for x in tree])
    if isinstance(tree, dict):
        return (dict, [(k, _output_spec(v, arrays)) for k, v in tree.items()])
    if isinstance(tree, _CONSTANT_TYPES):
        return ("constant", tree)
    raise ValueError(
        "[compile] A compiled function must return arrays, or trees (lists, tuples, "
        f"dicts) of arrays and constants; got an object of type {type(tree).__name__}."
    )


def _build_output(spec, it):
    if spec is _ARRAY:
        return next(it)
    kind, parts = spec
    if kind == "constant":
        return parts
    if kind is dict:
        return {k: _build_output(v, it) for k, v in parts}
    values = [_build_output(p, it) for p in parts]
    if kind is list:
        return values
    return kind(*values) if hasattr(kind, "_fields") else kind(values)


def _trace(fun, args, kwargs, inputs, outputs, all_inputs, shapeless):
    pairs = [mx._placeholder(a.shape, a.dtype) for a in all_inputs]
    new = iter([p[0] for p in pairs])
    log = []
    new_args = [_fill(a, new, log) for a in args]
    new_kwargs = {k: _fill(kwargs[k], new, log) for k in sorted(kwargs)}
    if inputs is not None:
        _fill(inputs, new, log)
    ok = False
    mx._begin_compile_trace(shapeless)
    try:
        result = fun(*new_args, **new_kwargs)
        out_arrays = []
        spec = _output_spec(result, out_arrays)
        state = _array_leaves(outputs) if outputs is not None else []
        ok = True
    finally:
        mx._end_compile_trace()
        _undo(log, everything=not ok)
    placeholders = [p[1] for p in pairs]
    program = mx._CompiledProgram(placeholders, out_arrays + state, all_inputs, shapeless)
    return _Trace(program, len(out_arrays), spec), len(state)


def _new_trace(traces, base, shapes, fun, args, kwargs, inputs, outputs, arrays,
               shapeless):
    """Traces fun and caches the program: for any shapes of the same ranks
    when it is shapeless and every step can follow new shapes, else for
    these shapes."""
    with _trace_lock:
        trace, n_out_state = _trace(fun, args, kwargs, inputs, outputs, arrays, shapeless)
    base = base[:2] + (n_out_state, base[3])
    if shapeless and not trace.program.shape_specific:
        traces[base + (tuple(len(s) for s in shapes), "shapeless")] = trace
    else:
        traces[base + (shapes,)] = trace
    return trace


def _call(entry, fun, inputs, outputs, shapeless, args, kwargs):
    if not mx._compile_enabled() or mx._in_transform():
        # Inside grad/vmap/another trace the function is inlined, so the
        # outer transform (or trace) sees its operations.
        return fun(*args, **kwargs)
    arrays = []
    structure = (
        _describe(args, arrays),
        tuple((k, _describe(kwargs[k], arrays)) for k in sorted(kwargs)),
    )
    if inputs is not None:
        _array_leaves(inputs, arrays)
    n_inputs = len(arrays)
    n_out_state = len(_array_leaves(outputs)) if outputs is not None else 0
    shapes = tuple(a.shape for a in arrays)
    base = (structure, n_inputs, n_out_state, tuple(a.dtype for a in arrays))
    traces = entry.traces
    trace = traces.get(base + (shapes,))
    if trace is None and shapeless:
        trace = traces.get(base + (tuple(len(s) for s in shapes), "shapeless"))
    if trace is None:
        trace = _new_trace(traces, base, shapes, fun, args, kwargs, inputs, outputs,
                           arrays, shapeless)
    # A shapeless trace whose operations cannot follow these shapes raises
    # (MLX's contract), rather than tracing again.
    results = trace.program.run(arrays)
    n = trace.n_outputs
    if outputs is not None and len(results) > n:
        _fill(outputs, iter(results[n:]), None)
    return _build_output(trace.spec, iter(results[:n]))


def _release(key, entry):
    with _lock:
        entry.users -= 1
        if entry.users == 0 and _entries.get(key) is entry:
            del _entries[key]


def compile(fun, inputs=None, outputs=None, shapeless=False):
    """Return a compiled version of ``fun``.

    The first call with a given input signature (the shapes and dtypes of
    the array arguments, and the values of the others) traces ``fun``
    into a graph, which is optimized (fused elementwise kernels, merged
    common subexpressions) and replayed on later calls with the same
    signature. The Python body does not run again, so side effects in it
    happen only while tracing. Arrays that ``fun`` reads or updates
    besides its arguments must be listed in ``inputs`` and ``outputs``.

    Args:
        fun (Callable): A function of arrays (or trees of arrays and other
            values) returning an array or a tree of arrays.
        inputs (list or dict, optional): Captured state that ``fun`` reads:
            a tree whose arrays are passed as implicit inputs. Default:
            ``None``.
        outputs (list or dict, optional): Captured state that ``fun``
            updates: a tree whose arrays are written back after each call.
            Default: ``None``.
        shapeless (bool, optional): Reuse a trace for inputs with the same
            dtypes and ranks but other shapes, where the traced operations
            allow it. Default: ``False``.

    Returns:
        Callable: A function with the signature and results of ``fun``.
    """
    if not callable(fun):
        raise TypeError("[compile] fun must be callable.")
    shapeless = bool(shapeless)
    key = (id(fun), id(inputs), id(outputs), shapeless)
    with _lock:
        entry = _entries.get(key)
        if entry is None:
            entry = _entries[key] = _Entry()
        entry.users += 1

    def compiled(*args, **kwargs):
        return _call(entry, fun, inputs, outputs, shapeless, args, kwargs)

    try:
        functools.update_wrapper(compiled, fun)
    except (AttributeError, TypeError):
        pass
    weakref.finalize(compiled, _release, key, entry)
    return compiled


def _install(core):
    core.compile = compile
