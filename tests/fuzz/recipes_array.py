"""Recipes for the array object: operators, conversions, indexing, .at[].

Call types are named "op a+b", "op a+=b", "conv bool", "array[]",
"array[]=", "array.at[].add", "array.T", so that a finding points at the
Python-level entry point that was used.
"""

from pools import EXTREME_INTS, LIARS, SHAPES
from recipes import RECIPES

BINARY = [
    "+",
    "-",
    "*",
    "/",
    "//",
    "%",
    "**",
    "@",
    "&",
    "|",
    "^",
    "<<",
    ">>",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
]
INPLACE = ["+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^", "<<", ">>"]
UNARY = ["-{}", "+{}", "~{}", "abs({})"]
CONVERSIONS = {
    "bool": "bool({})",
    "int": "int({})",
    "float": "float({})",
    "complex": "complex({})",
    "len": "len({})",
    "iter": "list({})",
    "index": "operator.index({})",
    "item": "{}.item()",
    "tolist": "{}.tolist()",
    "repr": "repr({})",
    "str": "str({})",
    "format": "format({}, '')",
    "hash": "hash({})",
    "numpy": "np.array({})",
    "asarray": "np.asarray({})",
    "memoryview": "memoryview({}).tolist()",
    "bytes": "bytes({})",
    "__array__": "{}.__array__(dtype=np.float64)",
    "dlpack": "np.from_dlpack({})",
    "__dlpack__": "{}.__dlpack__()",
    "__dlpack_device__": "{}.__dlpack_device__()",
    "copy": "copy.copy({})",
    "deepcopy": "copy.deepcopy({})",
    "pickle": "pickle.loads(pickle.dumps({}))",
    "__getstate__": "{}.__getstate__()",
    "__array_namespace__": "{}.__array_namespace__()",
    "contains": "1 in {}",
    "reversed": "list(reversed({}))",
    "divmod": "divmod({}, 2)",
    "round": "round({})",
    "sizeof": "{}.__sizeof__()",
    "reduce": "{}.__reduce_ex__(2)",
    "torch_style": "{}.__array__(copy=False)",
    "sum_builtin": "sum({})",
}
PROPERTIES = [
    "T",
    "mT",
    "shape",
    "size",
    "ndim",
    "nbytes",
    "itemsize",
    "dtype",
    "real",
    "imag",
    "at",
]
AT_OPS = ["add", "subtract", "multiply", "divide", "maximum", "minimum"]


def operand(g, like_x=True):
    """The other side of an operator: mostly an array or scalar that fits."""
    r = g.rng.random()
    if r < 0.45:
        return g.arr(g.related_shape(), g.dtype if g.chance(0.5) else g.rand_dtype())
    if r < 0.7:
        return g.pick(
            ["2", "-1", "0", "1.5", "True", "1j", "0.0", "3", "2**40", "-0.0"]
        )
    if r < 0.8:
        return g.pick(
            [
                "np.float32(2.0)",
                "np.arange(3)",
                "np.ones((2, 1))",
                "[1, 2, 3]",
                "(1.5,)",
                "np.int64(7)",
                "np.array(2, dtype=np.uint8)",
            ]
        )
    return g.hostile()


def index_part(g, dim):
    """One component of a subscript for an axis of length dim."""
    r = g.rng.random()
    if r < 0.3:
        return str(g.randint(-dim, dim - 1)) if dim else "0"
    if r < 0.55:
        pool = [
            "",
            "0",
            "1",
            "-1",
            "2",
            str(dim),
            str(-dim - 1),
            "2**63",
            "-2**63",
            "2**31",
        ]
        steps = ["", "1", "2", "-1", "-2", "3"] + (
            ["0", "2**63 - 1", "-2**63"] if g.chance(0.1) else []
        )
        return f"{g.pick(pool)}:{g.pick(pool)}:{g.pick(steps)}"
    if r < 0.62:
        return g.pick(["None", "..."])
    if r < 0.8:
        n = g.randint(0, 4)
        vals = [
            str(
                g.randint(-dim, dim - 1)
                if dim and g.chance(0.9)
                else g.pick([dim, 5, -dim - 1])
            )
            for _ in range(n)
        ]
        dt = g.pick(["int32", "int32", "uint32", "int64", "uint8", "int16"])
        if dt.startswith("u"):
            vals = [v.lstrip("-") for v in vals]
        return g.pick(
            [
                g.var(f"mx.array([{', '.join(vals)}], dtype=mx.{dt})", prefix="i"),
                f"[{', '.join(vals)}]",
                f"np.array([{', '.join(vals)}], dtype=np.int64)",
                g.var(f"mx.array({vals[0] if vals else 0})", prefix="i"),
            ]
        )
    if r < 0.88:
        mask = ", ".join(g.pick(["True", "False"]) for _ in range(dim))
        return g.pick(
            [
                g.var(f"mx.array([{mask}])", prefix="i"),
                f"[{mask}]",
                g.var(f"mx.array({g.pick(['True', 'False'])})", prefix="i"),
            ]
        )
    return g.pick(
        EXTREME_INTS
        + [
            "1.5",
            "'a'",
            "[1.5]",
            "{}",
            "object()",
            "[[0], [1]]",
            "mx.array([0.5])",
            "slice(None, None, 0)",
            "(...,...)",
            "[None]",
            "mx.zeros((0,), dtype=mx.int32)",
            "[]",
            "()",
        ]
        + LIARS[:4]
    )


def subscript(g):
    s = g.shape
    n = g.pick([1, 1, 1, 2, 2, 3]) if s else g.pick([1, 1, 2])
    parts = []
    axis = 0
    for _ in range(n):
        dim = s[axis] if axis < len(s) else 1
        parts.append(index_part(g, dim))
        axis += 1
    if len(parts) == 1 and g.chance(0.8):
        return parts[0] or ":"
    return ", ".join(p or ":" for p in parts)


def value_for_set(g):
    r = g.rng.random()
    if r < 0.4:
        return g.pick(["0", "1.5", "-1", "True", "math.nan", "2**40", "1j"])
    if r < 0.8:
        return g.arr(
            g.pick([(), (1,), g.shape[-1:], g.shape, (2,), (0,)]), g.rand_dtype()
        )
    return g.hostile()


INT_EDGES = [
    ("int8", -(2**7)),
    ("int16", -(2**15)),
    ("int32", -(2**31)),
    ("int64", -(2**63)),
]


def matmul_operand(g):
    k = g.shape[-1] if g.shape else 1
    return g.arr((k,) if g.chance(0.3) else (k, g.randint(1, 4)))


def _binary(op):
    def make(g, name):
        x = g.arr()
        y = matmul_operand(g) if op == "@" and g.chance(0.7) else operand(g)
        if g.chance(0.1):  # INT_MIN / -1 and x / 0 trap on x86 unless guarded
            dt, lo = g.pick(INT_EDGES)
            x = g.var(f"mx.array([{lo}, {lo}, 7, 0, -1], dtype=mx.{dt})")
            y = g.pick(
                [
                    g.var(f"mx.array([-1, 0, 0, -1, {lo}], dtype=mx.{dt})"),
                    "-1",
                    "0",
                    "64",
                    "-65",
                ]
            )
        y = f"({y})" if y.startswith("lambda") else y
        expr = f"{x} {op} {y}" if g.chance(0.75) else f"{y} {op} {x}"
        return [f"r = {expr}", "ev(r)"]

    return make


def _inplace(op):
    def make(g, name):
        x = g.arr()
        y = matmul_operand(g) if op == "@" and g.chance(0.7) else operand(g)
        return [f"{x} {op}= {y}", f"r = {x}", "ev(r)"]

    return make


def _unary(fmt):
    return lambda g, name: [f"r = {fmt.format(g.arr())}", "ev(r)"]


def _conversion(fmt):
    def make(g, name):
        x = g.arr(g.shape if g.chance(0.6) else g.pick([(), (1,), (0,), (2,)]))
        return [f"r = {fmt.format(x)}", "ev(r)"]

    return make


def _property(prop):
    return lambda g, name: [f"r = {g.arr()}.{prop}", "ev(r)"]


def _getitem(g, name):
    return [f"r = {g.arr()}[{subscript(g)}]", "ev(r)"]


def _setitem(g, name):
    x = g.arr()
    return [f"{x}[{subscript(g)}] = {value_for_set(g)}", f"r = {x}", "ev(r)"]


def _at(op):
    def make(g, name):
        return [f"r = {g.arr()}.at[{subscript(g)}].{op}({value_for_set(g)})", "ev(r)"]

    return make


def _setstate(g, name):
    x = g.arr()
    state = g.pick(
        [
            f"{g.arr()}.__getstate__()",
            "()",
            "(1, 2)",
            "(None,)",
            "(b'abc', 'float32', (2,))",
            f"(np.zeros(3), {g.pick(SHAPES)})",
            g.hostile(),
        ]
    )
    return [f"{x}.__setstate__({state})", f"r = {x}", "ev(r)"]


def _construct_views(g, name):
    """Many chained views over one small buffer, then a reduction."""
    x = g.arr()
    chain = "".join(
        g.pick(
            [
                ".T",
                "[::-1]",
                "[..., ::2]",
                "[None]",
                ".reshape(-1)",
                "[1:]",
                ".astype(mx.float16)",
                "[:, None]" if len(g.shape) else "[None]",
            ]
        )
        for _ in range(g.randint(1, 6))
    )
    return [f"r = mx.sum({x}{chain})", "ev(r)"]


def _deep_graph(g, name):
    """Long chains of lazy ops: evaluation and destruction must not recurse per node."""
    n = g.pick([10**3, 10**4, 5 * 10**4, 10**5])
    step = g.pick(
        [
            "x + 1",
            "mx.abs(x)",
            "x[::-1]",
            "x * x",
            "mx.maximum(x, 0)",
            "x.reshape(x.shape)",
        ]
    )
    x = g.arr(g.rand_shape(2, 8), "float32")
    lines = ["x = " + x, f"for _ in range({n}):", f"    x = {step}"]
    return lines + [
        g.pick(
            [
                "r = x",
                "r = mx.grad(lambda y: mx.sum(y * 2))(x)",
                "del x\nr = None",
                "r = mx.sum(x)",
            ]
        ),
        "ev(r)",
    ]


def _many_inputs(g, name):
    """Thousands of arrays into one op."""
    n = g.pick([1000, 5000, 20000])
    x = g.arr(g.rand_shape(2, 4))
    return [
        f"xs = [{x} + i for i in range({n})]",
        g.pick(
            [
                "r = mx.concatenate(xs)",
                "r = mx.stack(xs)",
                "mx.eval(*xs)\nr = xs[-1]",
                "r = sum(xs)",
                "r = mx.broadcast_arrays(*xs)",
                "r = mx.meshgrid(*[mx.arange(2)] * 40, sparse=True)",
            ]
        ),
        "ev(r)",
    ]


def _threads(g, name):
    """The same arrays used from several Python threads at once."""
    x = g.arr()
    work = g.pick(
        [
            f"mx.sum({x} * k) + mx.sort({x}.reshape(-1))[0]",
            f"{x}.at[0].add(k)",
            f"mx.compile(lambda v: v * k + 1)({x})",
            f"mx.grad(lambda v: mx.sum(v * v))({x} * 1.0)",
            f"mx.add({x}, k, stream=mx.new_stream(mx.cpu))",
        ]
    )
    return [
        "import threading",
        "errors = []",
        "def work(k):",
        "    try:",
        "        for _ in range(20):",
        f"            ev({work})",
        "    except Exception as e:",
        "        errors.append(e)",
        "ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]",
        "for t in ts: t.start()",
        "for t in ts: t.join()",
        "r = None",
        "ev(r)",
    ]


def _lifetime(g, name):
    """Exported buffers must keep their array alive after it is freed."""
    src = g.pick(
        [
            "mx.arange(50000.0) + 1",
            "mx.ones((300, 300)) * 3",
            "mx.arange(12).reshape(3, 4).T + 0",
        ]
    )
    view = g.pick(
        [
            "np.asarray({})",
            "np.array({}, copy=False)",
            "np.from_dlpack({})",
            "memoryview({})",
        ]
    )
    return [
        f"n = {view.format(src)}",
        "junk = [mx.full((50000,), 7.0) + i for i in range(8)]",
        "mx.eval(junk)",
        "r = float(np.asarray(n).sum())",
        "ev(r)",
    ]


def register_all():
    for op in BINARY:
        RECIPES[f"op a{op}b"] = _binary(op)
    for op in INPLACE:
        RECIPES[f"op a{op}=b"] = _inplace(op)
    for fmt in UNARY:
        RECIPES[f"op {fmt.format('a')}"] = _unary(fmt)
    for name, fmt in CONVERSIONS.items():
        RECIPES[f"conv {name}"] = _conversion(fmt)
    for prop in PROPERTIES:
        RECIPES[f"array.{prop}"] = _property(prop)
    for op in AT_OPS:
        RECIPES[f"array.at[].{op}"] = _at(op)
    RECIPES["array[]"] = _getitem
    RECIPES["array[]="] = _setitem
    RECIPES["array.__setstate__"] = _setstate
    RECIPES["view chain"] = _construct_views
    RECIPES["deep graph"] = _deep_graph
    RECIPES["many inputs"] = _many_inputs
    # Extra weight: indexing has the largest surface of any entry point.
    RECIPES["threads"] = _threads
    RECIPES["buffer lifetime"] = _lifetime
    return {
        "array[]": 12,
        "array[]=": 8,
        "threads": 2,
        "buffer lifetime": 2,
        **{f"array.at[].{op}": 2 for op in AT_OPS},
    }
