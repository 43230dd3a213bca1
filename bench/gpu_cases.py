"""The GPU cases of bench/run.py (`--device gpu`): sizes that fill a
datacenter GPU, each timed with the device synchronized (mx.eval, or
torch.cuda.synchronize for PyTorch)."""

from backends import _random


def _gb_per_s(nbytes):
    return lambda seconds: nbytes / seconds / 1e9


def _tflops(flops):
    return lambda seconds: flops / seconds / 1e12


def case_add(be):
    """a + b on 128M float32: two reads and a write."""
    n = 128 * 2**20
    a, b = be.array(_random(n, 1)), be.array(_random(n, 2))

    def run():
        be.force(be.add(a, b))

    return run, _gb_per_s(3 * 4 * n), "GB/s"


def case_copy(be):
    """x * 1 on 128M float32: the card's copy bandwidth seen through one op."""
    n = 128 * 2**20
    x = be.array(_random(n, 1))

    def run():
        be.force(x * 1.0)

    return run, _gb_per_s(2 * 4 * n), "GB/s"


def case_gelu(be):
    """The 8-op tanh-GELU chain on 64M float32, op by op (effective GB/s)."""
    n = 64 * 2**20
    x = be.array(_random(n))

    def run():
        inner = 0.79788456 * (x + 0.044715 * x**3)
        be.force(x * 0.5 * (1 + be.tanh(inner)))

    return run, _gb_per_s(2 * 4 * n), "GB/s"


def case_sum_last(be):
    x = be.array(_random((8192, 8192)))

    def run():
        be.force(be.sum(x, axis=-1))

    return run, _gb_per_s(4 * 8192**2), "GB/s"


def case_softmax(be):
    x = be.array(_random((8192, 8192)))

    def run():
        be.force(be.softmax(x))

    return run, _gb_per_s(2 * 4 * 8192**2), "GB/s"


def case_rms_norm(be):
    x, w = be.array(_random((8192, 8192))), be.array(_random(8192, 1))

    def run():
        be.force(be.rms_norm(x, w))

    return run, _gb_per_s(2 * 4 * 8192**2), "GB/s"


def case_layer_norm(be):
    x = be.array(_random((8192, 8192)))
    w, b = be.array(_random(8192, 1)), be.array(_random(8192, 2))

    def run():
        be.force(be.layer_norm(x, w, b))

    return run, _gb_per_s(2 * 4 * 8192**2), "GB/s"


def _matmul(n, bf16):
    def case(be):
        a, b = be.array(_random((n, n), 1)), be.array(_random((n, n), 2))
        if bf16:
            a, b = be.bfloat16(a), be.bfloat16(b)
            be.force(a, b)

        def run():
            be.force(be.matmul(a, b))

        return run, _tflops(2 * n**3), "TFLOP/s"

    return case


def case_dispatch(be):
    """1000 tiny ops, then one evaluation: host cost per op (us/op)."""
    x = be.array(_random(16))

    def run():
        y = x
        for _ in range(1000):
            y = y + 1.0
        be.force(y)

    return run, lambda seconds: seconds / 1000 * 1e6, "us/op"


GPU_CASES = {
    "add": case_add,
    "copy": case_copy,
    "gelu": case_gelu,
    "sum_last": case_sum_last,
    "softmax": case_softmax,
    "rms_norm": case_rms_norm,
    "layer_norm": case_layer_norm,
    "matmul_f32_4096": _matmul(4096, False),
    "matmul_bf16_8192": _matmul(8192, True),
    "dispatch": case_dispatch,
}
