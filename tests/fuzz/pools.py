"""Argument pools for the fuzzer. Every value is Python source text.

A generated call is a self-contained snippet, so each value here is an
expression string; values that need statements (arrays, a cyclic list, a
very deep list, lying sequences) are bound to variables by Gen.var(), whose
lines become the snippet's setup part.
"""

import math

DTYPES = [
    "bool_",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
]
FLOATS = ["float16", "bfloat16", "float32", "float64"]
INT_RANGE = {
    "int8": (-(2**7), 2**7 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint8": (0, 2**8 - 1),
    "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1),
    "uint64": (0, 2**63 - 1),
}

EXTREME_INTS = [
    "2**31",
    "2**31 - 1",
    "-2**31 - 1",
    "2**32",
    "2**63 - 1",
    "-2**63",
    "2**63",
    "2**64 - 1",
    "2**64",
    "-1",
    "10**30",
    "-10**30",
    "2**62",
    "-2**62",
]
SCALARS = [
    "0",
    "1",
    "-1",
    "2",
    "3",
    "True",
    "False",
    "None",
    "0.5",
    "-0.0",
    "math.nan",
    "math.inf",
    "-math.inf",
    "1e308",
    "5e-324",
    "1j",
    "complex(math.nan, math.inf)",
] + EXTREME_INTS
STRINGS = [
    "''",
    "'abc'",
    "'float32'",
    "'\\x00'",
    "'\\u00e9' * 3",
    "'a' * 5000",
    "b'abc'",
    "'-1'",
    "'nan'",
    "'same'",
    "'L'",
]
SHAPES = [
    "(2**62,)",
    "(2**31, 2**31)",
    "(-1,)",
    "(-5, 2)",
    "(0,)",
    "()",
    "[]",
    "(2**33,)",
    "(2**63 - 1,)",
    "(2**64,)",
    "(1,) * 40",
    "[1.5]",
    "'3'",
    "(3, None)",
    "[[2, 3]]",
    "(-2**63,)",
    "(2**16, 2**16, 2**16)",
    "(2**31 - 1, 2**31 - 1)",
    "(0, 2**62)",
    "(2**32 + 2,)",
    "(3, -1)",
    "[2, 3]",
    "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)",
    "3",
]
OBJECTS = [
    "[]",
    "()",
    "[1, 2]",
    "[[1], [2, 3]]",
    "[1.5, 'a']",
    "[None]",
    "{}",
    "{'a': 1}",
    "{1, 2}",
    "range(3)",
    "iter([1, 2])",
    "(i for i in range(3))",
    "[mx.array(1), 2]",
    "slice(None)",
    "Ellipsis",
    "object()",
    "type",
    "lambda *a, **k: 0",
    "mx.float32",
    "mx.cpu",
    "mx.floating",
    "mx",
    "memoryview(b'abcd')",
    "bytearray(8)",
    "np.zeros((2, 3))",
    "np.arange(12).reshape(3, 4)[:, ::2]",
    "np.array(['a', 'b'])",
    "np.array([1, 'a'], dtype=object)",
    "np.zeros(3, dtype=np.longdouble)",
    "np.zeros(2, dtype=np.complex128)",
    "np.array([1, 2], dtype=np.uint64)",
    "np.array(3.0)",
    "np.zeros((0, 2), dtype=np.float16)",
    "np.float64(2.5)",
    "np.int64(-1)",
    "[[[[[[[[[[1]]]]]]]]]]",
    "[2**64]",
    "[1, [2]]",
    "(mx.array([1, 2]), None)",
    "[mx.zeros((0,)), mx.array(1.0)]",
]
# Objects whose Python protocols lie or fail: length says 3 but items run
# out, a list subclass reporting a wrong length, an __index__ far past
# int64, conversions that raise or return the wrong type, self-nesting.
LIARS = [
    "type('Liar', (), {'__len__': lambda s: 3, '__getitem__': lambda s, i: [1][i]})()",
    "type('LongList', (list,), {'__len__': lambda s: 10})([1, 2])",
    "type('ShortList', (list,), {'__len__': lambda s: 0})([1, 2, 3])",
    "type('HugeLen', (), {'__len__': lambda s: 2**62, '__getitem__': lambda s, i: 1})()",
    "type('BigIndex', (), {'__index__': lambda s: 2**70})()",
    "type('Raiser', (), {'__index__': lambda s: 1 // 0, '__float__': lambda s: 1 / 0, '__len__': lambda s: 1 // 0, '__iter__': lambda s: 1 // 0})()",
    "type('BadFloat', (), {'__float__': lambda s: 'x', '__int__': lambda s: 'y'})()",
    "type('BadArray', (), {'__array__': lambda s, *a, **k: 5})()",
    "type('BadDLPack', (), {'__dlpack__': lambda s, **k: 1, '__dlpack_device__': lambda s: (1, 0)})()",
    "type('SelfNest', (), {'__len__': lambda s: 1, '__getitem__': lambda s, i: s})()",
    "type('NegLen', (), {'__len__': lambda s: -1})()",
]
CALLABLES = [
    "lambda x: mx.sum(mx.sin(x) * x)",
    "lambda x: mx.sum(x)",
    "lambda x: x * 2",
    "lambda x: mx.exp(x)",
    "lambda x: (x, x + 1)",
    "lambda x: 1 / 0",
    "lambda x: None",
    "lambda x: 's'",
    "lambda x: [x, [x]]",
    "lambda x: {'k': x}",
    "lambda *a: a[0]",
    "mx.sin",
    "lambda x: mx.sum(x[0])",
    "lambda x: x.astype(mx.int32)",
    "lambda x: mx.sum(mx.sort(x))",
    "lambda x: mx.mean(x @ mx.swapaxes(x, -1, -2))",
    "lambda x, y: x * y",
    "lambda x, y: mx.sum(x + y)",
    "lambda x: mx.stop_gradient(x)",
    "lambda x: mx.cumsum(x, axis=0)",
    "lambda x: mx.reshape(x, (-1,))",
    "lambda x: mx.sum(mx.maximum(x, 0))",
    "lambda x: x[..., ::2]",
]
FILES = [
    "'f.npy'",
    "'f.npz'",
    "'f.safetensors'",
    "'f.gguf'",
    "'f.mlxfn'",
    "'f'",
    "''",
    "'.'",
    "'nodir/f.npy'",
    "io.BytesIO()",
    "io.BytesIO(b'garbage')",
    "pathlib.Path('p.npy')",
    "3",
    "None",
    "'f.dot'",
]
STREAMS = [
    "None",
    "mx.cpu",
    "mx.Device(mx.cpu)",
    "mx.default_stream(mx.cpu)",
    "mx.default_device()",
]
BAD_STREAMS = [
    "mx.gpu",
    "mx.Device(mx.gpu)",
    "mx.Device(mx.cpu, 5)",
    "mx.Device(mx.cpu, -1)",
    "'cpu'",
    "0",
    "mx.float32",
]
STRING_CHOICES = {
    "mode": [
        "'constant'",
        "'edge'",
        "'reflect'",
        "'symmetric'",
        "'full'",
        "'same'",
        "'valid'",
        "'affine'",
        "'mxfp4'",
        "'mxfp8'",
        "'nvfp4'",
    ],
    "norm": ["'backward'", "'ortho'", "'forward'"],
    "side": ["'left'", "'right'"],
    "uplo": ["'L'", "'U'"],
    "indexing": ["'xy'", "'ij'"],
    "pad_mode": ["'reflect'", "'constant'"],
    "format": ["'npy'", "'npz'", "'safetensors'", "'gguf'"],
    "subscripts": ["'ij,jk->ik'", "'ii'", "'i,i'", "'...i->...'", "'ij->ji'"],
}
FLOAT_VALUES = [0.0, 1.0, -1.5, 2.5, 0.1, 3.0, -7.25, 100.0, 1e-3, -0.5, 0.75]
FLOAT_SPECIALS = [math.nan, math.inf, -math.inf, -0.0, 1e38, -1e38, 1e-45, 65504.0]


def fmt_float(v):
    if math.isnan(v):
        return "math.nan"
    if math.isinf(v):
        return "math.inf" if v > 0 else "-math.inf"
    return repr(v)


class Gen:
    """Random source plus the setup lines and variables of one snippet."""

    def __init__(self, rng):
        self.rng = rng
        self.lines = []
        self.nvar = 0
        self.special = rng.random() < 0.15  # NaN/inf and extreme values
        self.shape = self.big_shape() if rng.random() < 0.08 else self.rand_shape()
        self.dtype = self.rand_dtype()

    # --- basic random helpers -------------------------------------------
    def chance(self, p):
        return self.rng.random() < p

    def pick(self, seq):
        return self.rng.choice(seq)

    def randint(self, lo, hi):
        return self.rng.randint(lo, hi)

    def var(self, expr, prefix="a"):
        name = f"{prefix}{self.nvar}"
        self.nvar += 1
        self.lines.append(f"{name} = {expr}")
        return name

    def rand_dtype(self):
        return "float32" if self.chance(0.4) else self.pick(DTYPES)

    def rand_shape(self, max_ndim=4, max_size=64):
        while True:
            ndim = self.pick([0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4][: 3 * max_ndim])
            dims = tuple(
                0 if self.chance(0.06) else self.pick([1, 2, 2, 3, 3, 4, 5])
                for _ in range(min(ndim, max_ndim))
            )
            if math.prod(dims) <= max_size:
                return dims

    def big_shape(self):
        """Large enough for the multithreaded and vectorized kernel paths."""
        return self.pick(
            [
                (4099,),
                (65, 67),
                (3, 129, 17),
                (2, 3, 33, 65),
                (1, 70000),
                (257, 256),
                (17, 1, 1025),
                (2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2),
            ]
        )

    # --- arrays -----------------------------------------------------------
    def values(self, n, dtype):
        rng = self.rng
        if dtype == "bool_":
            return [rng.choice(["True", "False"]) for _ in range(n)]
        if dtype in INT_RANGE:
            lo, hi = INT_RANGE[dtype]
            out = [str(rng.randint(max(lo, -4), min(hi, 6))) for _ in range(n)]
            if self.special and n:
                out[rng.randrange(n)] = str(rng.choice([lo, hi]))
            return out
        pool = FLOAT_VALUES + (FLOAT_SPECIALS if self.special else [])
        if dtype == "complex64":
            return [
                f"complex({fmt_float(rng.choice(pool))}, {fmt_float(rng.choice(pool))})"
                for _ in range(n)
            ]
        return [fmt_float(rng.choice(pool)) for _ in range(n)]

    def contiguous(self, shape, dtype):
        size = math.prod(shape)
        if size == 0:
            return f"mx.zeros({shape}, dtype=mx.{dtype})"
        if size > 48:
            step = self.pick(["0.25", "0.5", "1", "1.7"])
            off = 0 if dtype.startswith("uint") else self.pick([0, 3, 10])
            return (
                f"(mx.arange({size}, dtype=mx.float32) * {step} - {off})"
                f".reshape({shape}).astype(mx.{dtype})"
            )
        vals = iter(self.values(size, dtype))

        def nest(dims):
            if not dims:
                return next(vals)
            return "[" + ", ".join(nest(dims[1:]) for _ in range(dims[0])) + "]"

        return f"mx.array({nest(shape)}, dtype=mx.{dtype})"

    def arr_expr(self, shape=None, dtype=None, layout=None):
        """An array of this shape and dtype, often a non-contiguous view."""
        shape = tuple(self.shape if shape is None else shape)
        dtype = dtype or self.dtype
        nd = len(shape)
        if layout is None:
            options = ["c"] * 5 + (["rev", "step", "bcast"] if nd else [])
            options += ["T", "swap"] if nd >= 2 else []
            layout = self.pick(options)
        if layout == "T":
            return self.contiguous(shape[::-1], dtype) + ".T"
        if layout == "swap":
            base = (shape[-1],) + shape[1:-1] + (shape[0],)
            return f"mx.swapaxes({self.contiguous(base, dtype)}, 0, -1)"
        if layout == "step":
            base = shape[:-1] + (shape[-1] * 2,)
            return self.contiguous(base, dtype) + "[..., ::2]"
        if layout == "rev":
            return self.contiguous(shape, dtype) + "[::-1]"
        if layout == "bcast":
            base = tuple(1 if self.chance(0.5) else d for d in shape)
            return f"mx.broadcast_to({self.contiguous(base, dtype)}, {shape})"
        return self.contiguous(shape, dtype)

    def arr(self, shape=None, dtype=None, layout=None):
        return self.var(self.arr_expr(shape, dtype, layout))

    def float_arr(self, shape=None):
        dtype = (
            self.dtype if self.dtype in FLOATS else self.pick(["float32"] * 3 + FLOATS)
        )
        return self.arr(shape, dtype)

    def related_shape(self):
        """A shape that broadcasts against the call's base shape."""
        s = self.shape
        r = self.rng.random()
        if r < 0.7 or not s:
            return s
        if r < 0.85:
            return s[self.randint(0, len(s)) :]
        return tuple(1 if self.chance(0.4) else d for d in s)

    # --- hostile values ---------------------------------------------------
    def odd_array(self):
        """An unusual but well-formed array: 0-d, empty, NaN, views, extremes."""
        return self.var(
            self.pick(
                [
                    "mx.array(2.5)",
                    "mx.array(-3, dtype=mx.int8)",
                    "mx.array([])",
                    "mx.zeros((0, 3))",
                    "mx.zeros((2, 0, 3), dtype=mx.int32)",
                    "mx.array([math.nan, math.inf, -math.inf, -0.0])",
                    "mx.array([[math.nan, 1.0], [2.0, math.inf]], dtype=mx.float16)",
                    "mx.broadcast_to(mx.array(1.5), (3, 4))",
                    "mx.arange(24).reshape(2, 3, 4)[:, ::-2, 1:]",
                    "mx.arange(12).reshape(3, 4).T",
                    "mx.zeros((1,) * 12)",
                    "mx.array([-2**63, 2**63 - 1], dtype=mx.int64)",
                    "mx.array([0, 2**32 - 1], dtype=mx.uint32)",
                    "mx.array([True, False, True])",
                    "mx.array([1 + 2j, complex(math.nan, 0)])",
                    "mx.ones((2, 3), dtype=mx.bfloat16)",
                    "mx.random.key(0)",
                    "mx.array([[1, 2], [3, 4]], dtype=mx.uint8)",
                    "mx.array(np.arange(6, dtype=np.float64).reshape(2, 3)[:, ::2])",
                    "mx.full((2, 2), math.nan)",
                    "mx.arange(6).reshape(2, 3)[:, 1:2]",
                    "mx.array([-2**31, -1, 0, 7], dtype=mx.int32)",
                    "mx.array([-128, -1, 0, 1], dtype=mx.int8)",
                    "mx.array([-2**63, -1, 0, 2**63 - 1], dtype=mx.int64)",
                    "mx.array([-1, -1, 0, 64], dtype=mx.int32)",
                    "mx.array(np.array([2**64 - 1, 0], dtype=np.uint64))",
                    "mx.broadcast_to(mx.arange(3.0), (2, 0, 3))",
                ]
            ),
            prefix="o",
        )

    def setup_hostile(self):
        """A value that needs statements: a cyclic or very deep container."""
        kind = self.pick(["cyc", "cyc", "deep", "deeptuple", "cycdict"])
        name = f"h{self.nvar}"
        self.nvar += 1
        if kind == "cyc":
            self.lines.append(f"{name} = [1.0]; {name}.append({name})")
        elif kind == "cycdict":
            self.lines.append(f"{name} = {{}}; {name}['a'] = {name}")
        else:
            depth = self.pick([10**4, 3 * 10**4, 10**5])
            wrap = "[{0}]" if kind == "deep" else "({0},)"
            self.lines.append(
                f"{name} = 0.5\nfor _ in range({depth}):\n"
                f"    {name} = {wrap.format(name)}"
            )
        return name

    def hostile(self, kind="any"):
        r = self.rng.random()
        specific = {
            "axis": EXTREME_INTS
            + ["len", "-len - 1", "1.5", "None", "'0'", "[0, 0]", "True"],
            "axes": [
                "[0, 0]",
                "[-100]",
                "[2**63]",
                "[]",
                "[[0]]",
                "(0, 1, 2, 3, 4, 5)",
                "[None]",
            ],
            "shape": SHAPES,
            "int": EXTREME_INTS + ["1.5", "None", "'2'", "-0.0"],
            "float": [
                "math.nan",
                "math.inf",
                "-math.inf",
                "-0.0",
                "1e308",
                "5e-324",
                "2**64",
                "1j",
                "'1.0'",
            ],
            "str": STRINGS + ["1", "None"],
            "stream": BAD_STREAMS,
            "dtype": [
                "'float32'",
                "np.float32",
                "mx.floating",
                "int",
                "float",
                "7",
                "mx.Dtype",
            ],
            "file": FILES,
            "callable": CALLABLES + ["5", "None"],
        }.get(kind)
        if kind in ("axis",) and specific:
            nd = len(self.shape)
            return (
                self.pick(specific)
                .replace("-len - 1", str(-nd - 1))
                .replace("len", str(nd))
            )
        if specific and r < 0.5:
            return self.pick(specific)
        if r < 0.62:
            return self.odd_array()
        if r < 0.66:
            return self.setup_hostile()
        if r < 0.72:
            return self.pick(LIARS)
        return self.pick(SCALARS + STRINGS + SHAPES + OBJECTS)
