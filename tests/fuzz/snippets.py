"""Snippet generation: the table of call types and (seed, index) -> source.

The API is found by introspection: dir() of mlx.core and its submodules
and of mx.array, with parameter names and annotations read from the
nanobind signatures (__nb_signature__) or inspect.signature. The MLX 0.32
listing under shared/spec/api, where present, is only used to report which
public names were not exercised. Each snippet is generated from its own
random.Random(f"{seed}:{index}"), so any one can be regenerated alone.
"""

import inspect
import random
import re
from pathlib import Path

import mlx.core as mx

import recipes_api  # noqa: F401  (registers recipes)
from pools import CALLABLES, DTYPES, FILES, STREAMS, STRING_CHOICES, Gen
from recipes import RECIPES, Call
from recipes_array import register_all

PRELUDE = '''\
import copy, io, math, operator, pathlib, pickle
import numpy as np
import mlx.core as mx


def ev(r):
    """Evaluate every array in the result, then read the small ones back."""
    todo, seen, arrays = [r], set(), []
    while todo:
        x = todo.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, mx.array):
            arrays.append(x)
        elif isinstance(x, (list, tuple)):
            todo.extend(x)
        elif isinstance(x, dict):
            todo.extend(x.values())
    mx.eval(*arrays)
    for a in arrays:
        # tolist makes a Python list per row, even of an empty axis: count
        # the lists too, or a (2**16, 2**16, 0) array takes forever.
        rows = math.prod(max(d, 1) for d in a.shape[:-1])
        if a.size <= 4096 and rows <= 4096:
            a.tolist()
'''

MODULES = [
    ("mx", mx),
    ("mx.linalg", mx.linalg),
    ("mx.fft", mx.fft),
    ("mx.random", mx.random),
    ("mx.fast", mx.fast),
]
# Not fuzzed: other processes (distributed), other backends (metal, cuda),
# tearing down every stream, and classes that have no Python constructor.
SKIP = {
    "mx.distributed",
    "mx.metal",
    "mx.cuda",
    "mx.clear_streams",
    "mx.ArrayAt",
    "mx.ArrayIterator",
    "mx.Stream",
    "mx.ThreadLocalStream",
    "mx.Dtype",
    "mx.DtypeCategory",
    "mx.DeviceType",
    "mx.FunctionExporter",
}
SPEC_DIRS = [
    Path(__file__).resolve().parents[2] / "shared/spec/api",
    Path(__file__).resolve().parents[3] / "shared/spec/api",
]


# --- signatures ----------------------------------------------------------------
def split_top(text, sep=","):
    """Split on sep outside brackets and quotes."""
    parts, depth, cur, quote = [], 0, [], None
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def parse_params(text):
    """'a: array, /, axis: int = 0, *, stream=None' -> [(name, ann, has_default, mode)]."""
    params, mode = [], "pos"
    for p in split_top(text):
        if p == "/":
            params = [(n, a, d, "posonly") for n, a, d, _ in params]
        elif p == "*":
            mode = "kwonly"
        elif p.startswith("**"):
            params.append((p[2:].split(":")[0].strip(), "", True, "varkw"))
        elif p.startswith("*"):
            name, _, ann = p[1:].partition(":")
            params.append((name.strip(), ann.strip(), True, "varargs"))
            mode = "kwonly"
        else:
            head = split_top(p, "=")
            name, _, ann = head[0].partition(":")
            params.append((name.strip(), ann.strip(), len(head) > 1, mode))
    return [p for p in params if p[0] not in ("self", "cls")]


def signatures(obj):
    """One parameter list per overload."""
    nb = getattr(obj, "__nb_signature__", None)
    if nb:
        out = []
        for sig in nb:
            text = sig[0]
            start = text.index("(")
            depth = 0
            for i in range(start, len(text)):
                depth += text[i] == "("
                depth -= text[i] == ")"
                if depth == 0:
                    out.append(parse_params(text[start + 1 : i]))
                    break
        return out
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return [[]]
    modes = {
        inspect.Parameter.POSITIONAL_ONLY: "posonly",
        inspect.Parameter.KEYWORD_ONLY: "kwonly",
        inspect.Parameter.VAR_POSITIONAL: "varargs",
        inspect.Parameter.VAR_KEYWORD: "varkw",
    }
    return [
        [
            (
                p.name,
                "" if p.annotation is p.empty else str(p.annotation),
                p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD),
                modes.get(p.kind, "pos"),
            )
            for p in sig.parameters.values()
        ]
    ]


AXIS_NAMES = {
    "axis",
    "axis1",
    "axis2",
    "source",
    "destination",
    "start_axis",
    "end_axis",
}
INT_VALUES = {
    "k": ["1", "2", "0", "-1"],
    "n": ["2", "3", "0", "8"],
    "num": ["2", "3", "0"],
    "M": ["3", "1", "0", "8"],
    "bits": ["4", "8", "2"],
    "group_size": ["32", "64", "16"],
    "seed": ["0", "7", "2**64 - 1"],
    "ddof": ["0", "1", "5"],
    "decimals": ["0", "2", "-1"],
}


def infer_kind(name, ann):
    """What a parameter holds, from its name first and its annotation second."""
    n, a = name.lower(), ann
    if n in ("stream", "device", "device_type") or (
        ("Stream" in a or "Device" in a) and "array" not in a
    ):
        return "stream"
    if "Callable" in a or n in ("fun", "f", "fn"):
        return "callable"
    if (
        n == "dtype"
        or (a.startswith("mlx.core.Dtype") and "array" not in a)
        or "DtypeCategory" in a
    ):
        return "dtype"
    if n == "key":
        return "key"
    if n.startswith("file"):
        return "file"
    if n in AXIS_NAMES:
        return "axis"
    if n == "axes":
        return "axes"
    if n in ("shape", "s", "slice_size", "shapes", "reps"):
        return "shape"
    if (
        "array" in a
        or "ndarray" in a
        or "scalar" in a
        or n in ("a", "b", "x", "arys", "arrays", "operands")
    ):
        return "array"
    if a.startswith("bool"):
        return "bool"
    if a.startswith("str"):
        return "str"
    if "int" in a and "Sequence" in a:
        return "shape"
    if a.startswith("int") or n in INT_VALUES:
        return "int"
    if a.startswith("float") or n in ("eps", "scale", "rtol", "atol", "alpha", "beta"):
        return "float"
    if a.startswith("dict"):
        return "dict"
    return "any"


def valid_value(g, kind, name):
    """A plausible value of this kind, fitted to the call's base shape."""
    nd = len(g.shape)
    if kind == "array":
        return g.arr(g.related_shape(), g.dtype if g.chance(0.8) else g.rand_dtype())
    if kind == "axis":
        return str(g.randint(-nd, nd - 1)) if nd else g.pick(["None", "0"])
    if kind == "axes":
        k = g.randint(0, nd)
        return str(g.rng.sample(range(nd), k)) if nd else "None"
    if kind == "shape":
        return str(g.rand_shape(3, 24)) if g.chance(0.9) else str(g.randint(0, 4))
    if kind == "dtype":
        return "mx." + g.pick(DTYPES)
    if kind == "int":
        return g.pick(INT_VALUES.get(name, ["0", "1", "2", "3", "-1"]))
    if kind == "float":
        return g.pick(["0.5", "1.0", "1e-5", "2.0", "0.0"])
    if kind == "bool":
        return g.pick(["True", "False"])
    if kind == "str":
        return g.pick(STRING_CHOICES.get(name.lower(), ["'a'", "''"]))
    if kind == "stream":
        return g.pick(STREAMS)
    if kind == "key":
        return g.pick(
            ["None", "mx.random.key(3)", "mx.random.split(mx.random.key(1))[0]"]
        )
    if kind == "callable":
        return g.pick(CALLABLES)
    if kind == "file":
        return g.pick(FILES[:5])
    if kind == "dict":
        return f"{{'a': {g.arr()}}}"
    return g.arr() if g.chance(0.6) else g.pick(["0", "1", "2.5", "None", "True"])


def generic_call(g, callee, params):
    args, kwargs, by_keyword = [], {}, False
    for name, ann, has_default, mode in params:
        kind = infer_kind(name, ann)
        if mode == "varkw":
            continue
        if mode == "varargs":
            kind = {"shape": "int", "axes": "axis", "shapes": "shape"}.get(name, kind)
            kind = "array" if kind == "any" else kind
            args += [(valid_value(g, kind, name), kind) for _ in range(g.randint(0, 3))]
            by_keyword = True
            continue
        if has_default and g.chance(0.5):
            by_keyword = by_keyword or mode != "kwonly"
            continue
        value = (valid_value(g, kind, name), kind)
        if mode == "posonly" or (mode == "pos" and not by_keyword and g.chance(0.7)):
            args.append(value)
        else:
            by_keyword = True
            kwargs[name] = value
    return Call(callee, args, kwargs)


def mutate(g, call):
    """Break a valid call: hostile arguments, missing, extra or unknown ones."""
    r = g.rng.random()
    slots = [("a", i) for i in range(len(call.args))] + [("k", k) for k in call.kwargs]
    if r < 0.45:
        return
    if r < 0.85 and slots:
        for _ in range(1 if r < 0.72 else 2):
            where, key = g.pick(slots)
            table = call.args if where == "a" else call.kwargs
            table[key] = (g.hostile(table[key][1]), table[key][1])
    elif r < 0.9 and call.args:
        call.args.pop(g.rng.randrange(len(call.args)))
    elif r < 0.93:
        call.args.append((g.hostile(), "any"))
    elif r < 0.96:
        call.kwargs[g.pick(["bogus", "stream", "axis", "dtype", "key"])] = (
            g.hostile(),
            "any",
        )
    else:  # chaos: arguments drawn with no regard for the signature
        call.args = [(g.hostile(), "any") for _ in range(g.randint(0, 4))]
        call.kwargs = {}


def render(call):
    args = [v for v, _ in call.args] + [f"{k}={v}" for k, (v, _) in call.kwargs.items()]
    return [f"r = {call.fn}({', '.join(args)})"] + call.then + ["ev(r)"]


# --- transforms of any op: vmap, grad, jvp, vjp and compile rules -------------------
WRAPPERS = {
    "vmap(op)": 15,
    "grad(op)": 15,
    "jvp(op)": 8,
    "vjp(op)": 8,
    "compile(op)": 15,
}
NO_WRAP = {
    "mx.array",
    "mx.asarray",
    "mx.from_dlpack",
    "mx.eval",
    "mx.async_eval",
    "mx.save",
    "mx.savez",
    "mx.savez_compressed",
    "mx.save_safetensors",
    "mx.save_gguf",
    "mx.load",
    "mx.export_function",
    "mx.export_to_dot",
    "mx.set_memory_limit",
    "mx.set_cache_limit",
    "mx.set_wired_limit",
}


def wrap(g, kind, call):
    """The call with its first array argument made the argument of a transformed function."""
    x = call.args[0][0]
    rest = [v for v, _ in call.args[1:]] + [
        f"{k}={v}" for k, (v, _) in call.kwargs.items()
    ]
    body = f"{call.fn}({', '.join(['v'] + rest)})"
    lines = [f"f = lambda v: {body}"]
    if kind == "vmap(op)":
        axis = g.pick([0, 0, -1, 1])
        lines.append(
            f"r = mx.vmap(f, in_axes={axis})(mx.stack([{x}, {x}], axis={axis}))"
        )
    elif kind == "grad(op)":
        lines.append(f"r = mx.grad(lambda v: mx.sum(f(v)))({x})")
    elif kind == "jvp(op)":
        lines.append(f"r = mx.jvp(f, [{x}], [mx.ones_like({x})])")
    elif kind == "vjp(op)":
        lines.append(f"r = mx.vjp(f, [{x}], [mx.ones_like(f({x}))])")
    else:
        shapeless = g.pick(["False", "False", "True"])
        lines.append(f"cf = mx.compile(f, shapeless={shapeless})")
        lines.append(f"r = [cf({x}), cf({x})]")
    return lines + ["ev(r)"]


# --- the table of call types ------------------------------------------------------
class Table:
    def __init__(self):
        self.sigs = {}  # call type -> overloads, for generic calls
        weights = dict(register_all(), **WRAPPERS)
        for prefix, mod in MODULES:
            for name in dir(mod):
                obj = getattr(mod, name)
                full = f"{prefix}.{name}"
                if (
                    name.startswith("_")
                    or full in SKIP
                    or inspect.ismodule(obj)
                    or not callable(obj)
                ):
                    continue
                self.sigs[full] = signatures(obj)
        for name in dir(mx.array):
            attr = getattr(mx.array, name)
            if (
                not name.startswith("_")
                and callable(attr)
                and not isinstance(attr, property)
            ):
                self.sigs[f"array.{name}"] = signatures(attr)
        names = sorted(
            set(self.sigs)
            | {n for n in RECIPES if not n.startswith("mx.") or n in self.sigs}
        )
        self.wrappable = [n for n in names if n.startswith("mx.") and n not in NO_WRAP]
        names += list(WRAPPERS)
        self.names = names
        self.weights = [
            weights.get(n, 0.4 if n.startswith("conv ") else 1.0) for n in names
        ]

    def spec_names(self):
        """Public names listed in the MLX spec (empty when it is not present)."""
        for d in SPEC_DIRS:
            if d.is_dir():
                out = set()
                for f, prefix in [
                    ("mlx_core.txt", "mx"),
                    ("mlx_core_linalg.txt", "mx.linalg"),
                    ("mlx_core_fft.txt", "mx.fft"),
                    ("mlx_core_random.txt", "mx.random"),
                    ("mlx_core_fast.txt", "mx.fast"),
                ]:
                    text = (d / f).read_text().split("## classes")[0]
                    out |= {
                        f"{prefix}.{m}" for m in re.findall(r"^(\w+)\(", text, re.M)
                    }
                return out
        return set()

    def call_for(self, g, name):
        rng = g.rng
        method_recipe = "mx." + name[6:] if name.startswith("array.") else None
        if name in RECIPES:
            made = RECIPES[name](g, name)
        elif method_recipe in RECIPES and rng.random() < 0.7:
            # x.op(...) with the arguments mx.op(x, ...) would get.
            made = RECIPES[method_recipe](g, method_recipe)
            if isinstance(made, Call) and made.args:
                made.fn, made.args = f"{made.args[0][0]}.{name[6:]}", made.args[1:]
        else:
            overloads = self.sigs[name]
            callee = name
            if name.startswith("array."):
                callee = f"{g.arr()}.{name[6:]}"
            made = generic_call(g, callee, rng.choice(overloads))
        return made

    def snippet(self, seed, index):
        """(call type, setup source, call source) for snippet `index`."""
        rng = random.Random(f"{seed}:{index}")
        name = rng.choices(self.names, self.weights)[0]
        g = Gen(rng)
        if name in WRAPPERS:
            inner = rng.choice(self.wrappable)
            made = self.call_for(g, inner)
            if (
                isinstance(made, Call)
                and made.args
                and re.fullmatch(r"a\d+", made.args[0][0])
            ):
                if (
                    rng.random() < 0.3
                ):  # the first argument stays: it becomes the lambda's
                    first, made.args = made.args[0], made.args[1:]
                    mutate(g, made)
                    made.args.insert(0, first)
                made = "\n".join(wrap(g, name, made))
                return f"{name[:-4]}({inner})", "\n".join(prune(g.lines, made)), made
            name = inner
        else:
            made = self.call_for(g, name)
        if isinstance(made, Call):
            mutate(g, made)
            made = render(made)
        made = "\n".join(made)
        return name, "\n".join(prune(g.lines, made)), made


def prune(lines, call):
    """Drop setup assignments nothing later refers to (pools build some eagerly)."""
    kept, text = [], call
    for line in reversed(lines):
        m = re.match(r"(\w+) = ", line)
        if m and not re.search(rf"\b{m.group(1)}\b", text):
            continue
        kept.append(line)
        text += "\n" + line
    return kept[::-1]


def reproducer(setup, call):
    return PRELUDE + "\n" + (setup + "\n" if setup else "") + call + "\n"
