#!/usr/bin/env python3
"""Microbenchmarks for Ember, written against the public MLX API.

The same script runs under Ember, under Apple's `mlx`, or (with
`--backend torch`) under PyTorch, so results compare like for like.

Usage:
    python bench/run.py                            # every case, this interpreter
    python bench/run.py --cases add,matmul_1024    # some cases
    python bench/run.py --json out.json            # also write the results
    python bench/run.py --against ~/mlx-venv/bin/python
        # run the same cases under another interpreter (e.g. Apple's mlx in
        # its own virtualenv) and print both side by side
    python bench/run.py --against-backend torch
        # compare with PyTorch in this interpreter
    python bench/run.py --against /other/python --against-backend torch
        # ... or with PyTorch installed elsewhere
    python bench/run.py --device gpu --against-backend torch
        # the GPU cases, side by side with PyTorch on the same GPU

Flags:
    --backend {mlx,torch}          what this run measures (default mlx, i.e.
                                   whatever `import mlx.core` finds)
    --against PYTHON               reference interpreter; defaults to this one
                                   when only --against-backend is given
    --against-backend {mlx,torch}  backend of the reference run (default mlx)
    --cases a,b,...                cases to run (default: all; see --list)
    --repeat N / --warmup N        timed repeats (median reported) / warmups
    --min-time S                   keep repeating each case for S seconds
    --json PATH                    write machine-readable results to PATH
    --runs N                       N fresh processes per side (alternating);
                                   reports the median run and the spread
    --interleave                   with a reference: time each case in four
                                   slices per side, taken in turn, so both
                                   sides see the same stretch of a drifting
                                   machine

The reference run is this same script in a subprocess with `--json` to a
temporary file. In the side-by-side table, `speedup` is reference time over
this run's time: above 1 means this run is faster. `target` is the ceiling
on the median time that issue 8 sets for the case; `met` says whether this
run is under it and at least as fast as the reference.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from backends import MlxBackend, TorchBackend, _random
from gpu_cases import GPU_CASES


def _gigabytes_per_s(nbytes):
    return lambda seconds: nbytes / seconds / 1e9


def case_add(be):
    n = 16 * 2**20
    a, b = be.array(_random(n, 1)), be.array(_random(n, 2))

    def run():
        be.force(be.add(a, b))

    # Two reads and one write of 4-byte elements.
    return run, _gigabytes_per_s(3 * 4 * n), "GB/s"


def case_gelu(be):
    n = 4 * 2**20
    x = be.array(_random(n))

    def run():
        inner = 0.79788456 * (x + 0.044715 * x**3)
        be.force(x * 0.5 * (1 + be.tanh(inner)))

    # Effective bandwidth: one read and one write, however many ops.
    return run, _gigabytes_per_s(2 * 4 * n), "GB/s"


def case_gelu_compiled(be):
    """The gelu case's 8-op chain as one compiled function."""
    n = 4 * 2**20
    x = be.array(_random(n))

    def chain(x):
        inner = 0.79788456 * (x + 0.044715 * x**3)
        return x * 0.5 * (1 + be.tanh(inner))

    compiled = be.compile(chain)

    def run():
        be.force(compiled(x))

    return run, _gigabytes_per_s(2 * 4 * n), "GB/s"


def _mlp_case(compiled):
    def case(be):
        """MLP 784-1024-1024-10 training step, batch 256, Adam."""
        run = be.mlp_step([784, 1024, 1024, 10], 256, compiled)
        return run, lambda seconds: seconds * 1e3, "ms"

    return case


def case_sum_all(be):
    x = be.array(_random((4096, 4096)))

    def run():
        be.force(be.sum(x))

    return run, _gigabytes_per_s(4 * 4096**2), "GB/s"


def case_sum_last(be):
    x = be.array(_random((4096, 4096)))

    def run():
        be.force(be.sum(x, axis=-1))

    return run, _gigabytes_per_s(4 * 4096**2), "GB/s"


def case_softmax(be):
    x = be.array(_random((4096, 4096)))

    def run():
        be.force(be.softmax(x))

    return run, _gigabytes_per_s(2 * 4 * 4096**2), "GB/s"


def _matmul_case(n):
    def case(be):
        a, b = be.array(_random((n, n), 1)), be.array(_random((n, n), 2))

        def run():
            be.force(be.matmul(a, b))

        return run, lambda seconds: 2 * n**3 / seconds / 1e9, "GFLOP/s"

    return case


def case_dispatch(be):
    steps = 1000
    x0 = be.array(np.zeros(16, np.float32))

    def run():
        x = x0
        for _ in range(steps):
            x = x + 1
        be.force(x)

    return run, lambda seconds: seconds / steps * 1e6, "us/op"


def _elementwise_chain(be, ops):
    """A scalar function of x through `ops` elementwise ops."""

    def f(x):
        for i in range(ops):
            x = be.sin(x) * 1.01 if i % 2 else x + 0.5
        return be.sum(x)

    return f


def case_grad_chain(be):
    """Gradient of a scalar function through 50 elementwise ops, 16 elements."""
    ops = 50
    x0 = be.array(np.ones(16, np.float32))
    f = _elementwise_chain(be, ops)

    def run():
        be.force(be.grad(f, x0))

    return run, lambda seconds: seconds / ops * 1e6, "us/op"


def case_conv2d(be):
    """conv2d NHWC 8x64x64, 64 -> 64 channels, 3x3, padding 1."""
    x = be.array(_random((8, 64, 64, 64)))
    w = be.array(_random((64, 3, 3, 64), seed=1))
    flops = 2 * 8 * 64 * 64 * 64 * 64 * 9

    def run():
        be.force(be.conv2d(x, w))

    return run, lambda seconds: flops / seconds / 1e9, "GFLOP/s"


def case_argmax(be):
    x = be.array(_random((4096, 4096)))

    def run():
        be.force(be.argmax(x))

    return run, _gigabytes_per_s(4 * 4096**2), "GB/s"


def case_layer_norm(be):
    x = be.array(_random((4096, 4096)))
    w, b = be.array(_random(4096, 1)), be.array(_random(4096, 2))

    def run():
        be.force(be.layer_norm(x, w, b))

    return run, _gigabytes_per_s(2 * 4 * 4096**2), "GB/s"


def case_rms_norm(be):
    x = be.array(_random((4096, 4096)))
    w = be.array(_random(4096, 1))

    def run():
        be.force(be.rms_norm(x, w))

    return run, _gigabytes_per_s(2 * 4 * 4096**2), "GB/s"


def case_bmm(be):
    """64 independent 128x128 matmuls in one batched call."""
    a, b = be.array(_random((64, 128, 128), 1)), be.array(_random((64, 128, 128), 2))

    def run():
        be.force(be.matmul(a, b))

    return run, lambda seconds: 2 * 64 * 128**3 / seconds / 1e9, "GFLOP/s"


def case_sdpa(be):
    """scaled_dot_product_attention, batch 1, 8 heads, 1024 tokens, head dim 64."""
    q, k, v = (be.array(_random((1, 8, 1024, 64), s)) for s in (1, 2, 3))

    def run():
        be.force(be.sdpa(q, k, v))

    return run, lambda seconds: seconds * 1e3, "ms"


def case_grad_chain_compiled(be):
    """The grad_chain case with the gradient function compiled."""
    x0 = be.array(np.ones(16, np.float32))
    g = be.compiled_grad(_elementwise_chain(be, 50))

    def run():
        be.force(g(x0))

    return run, lambda seconds: seconds * 1e3, "ms"


def case_transformer_step(be):
    """Encoder layer d=256, 4 heads, seq 128, batch 16: one Adam training step."""
    run = be.transformer_step(256, 4, 128, 16)
    return run, lambda seconds: seconds * 1e3, "ms"


CASES = {
    "add": case_add,
    "gelu": case_gelu,
    "gelu_compiled": case_gelu_compiled,
    "sum_all": case_sum_all,
    "sum_last": case_sum_last,
    "argmax": case_argmax,
    "softmax": case_softmax,
    "layer_norm": case_layer_norm,
    "rms_norm": case_rms_norm,
    "matmul_1024": _matmul_case(1024),
    "matmul_2048": _matmul_case(2048),
    "bmm": case_bmm,
    "sdpa": case_sdpa,
    "dispatch": case_dispatch,
    "grad_chain": case_grad_chain,
    "grad_chain_compiled": case_grad_chain_compiled,
    "conv2d": case_conv2d,
    "mlp_step": _mlp_case(False),
    "mlp_step_compiled": _mlp_case(True),
    "transformer_step": case_transformer_step,
}
# Issue 8's ceiling on each case's median time, in ms (dispatch: 1000 ops
# at 1.5 us; grad_chain: the whole gradient of 50 ops).
TARGET_MS = {
    "add": 6, "gelu": 9, "gelu_compiled": 1.0, "sum_all": 1.2, "sum_last": 1.2,
    "argmax": 1.7, "softmax": 6, "layer_norm": 6, "rms_norm": 6, "matmul_1024": 11,
    "matmul_2048": 85, "bmm": 1.5, "sdpa": 13, "dispatch": 1.5, "grad_chain": 0.5,
    "grad_chain_compiled": 0.14, "conv2d": 11, "mlp_step": 16, "mlp_step_compiled": 14,
    "transformer_step": 65,
}


def make_backend(name, device="cpu"):
    return TorchBackend(device) if name == "torch" else MlxBackend(device)


def warm_up(run, warmup):
    # At least `warmup` runs and a quarter of a second: right after setup
    # the OS may not yet have spread a process's threads over the cores.
    start = time.perf_counter()
    done = 0
    while done < warmup or (time.perf_counter() - start < 0.25 and done < 1000):
        run()
        done += 1


def time_runs(run, repeat, min_time, untimed=0):
    """Times of at least `repeat` runs and `min_time` seconds of them, after
    `untimed` runs: on a shared machine a slow spell of half a second would
    otherwise move the median of a short case's few runs."""
    for _ in range(untimed):
        run()
    times = []
    begin = time.perf_counter()
    while len(times) < repeat or (time.perf_counter() - begin < min_time and
                                  len(times) < 100000):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def summarize(times, metric, unit):
    median = statistics.median(times)
    return {
        "median_s": median,
        "min_s": min(times),
        "value": metric(median),
        "unit": unit,
        "repeat": len(times),
    }


def time_case(setup, be, repeat, warmup, min_time=0.0):
    run, metric, unit = setup(be)
    warm_up(run, warmup)
    return summarize(time_runs(run, repeat, min_time), metric, unit)


def run_local(args):
    be = make_backend(args.backend, args.device)
    results = {}
    for name in args.cases:
        results[name] = time_case(CASES[name], be, args.repeat, args.warmup, args.min_time)
        if not args.quiet:
            r = results[name]
            line = f"{r['median_s'] * 1e3:10.3f} ms {r['value']:10.2f} {r['unit']}"
            print(f"  {name:<12} {line}", file=sys.stderr)
    return {
        "backend": be.name,
        "module": be.module,
        "python": sys.executable,
        "python_version": platform.python_version(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "cases": results,
    }


def measure(python, backend, args):
    """One run of the cases in a fresh process of `python` with `backend`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        cmd = [
            python,
            os.path.abspath(__file__),
            "--backend", backend,
            "--device", args.device,
            "--cases", ",".join(args.cases),
            "--repeat", str(args.repeat),
            "--warmup", str(args.warmup),
            "--min-time", str(args.min_time),
            "--json", out,
            "--quiet",
        ]
        print(f"run: {' '.join(cmd)}", file=sys.stderr)
        subprocess.run(cmd, check=True)
        with open(out) as f:
            return json.load(f)


def run_reference(args):
    return measure(args.against or sys.executable, args.against_backend, args)


def serve(args):
    """The reference side of --interleave: reads one JSON command per line
    ({"case", "repeat", "min_time", "untimed"}), sets a case up and warms it
    when it changes, times a slice of runs and answers {"times": [...]}."""
    be = make_backend(args.backend, args.device)
    name, run = None, None
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["case"] != name:
            name, run = None, None  # drop the last case's arrays first
            run = CASES[cmd["case"]](be)[0]
            name = cmd["case"]
            warm_up(run, args.warmup)
        times = time_runs(run, cmd["repeat"], cmd["min_time"], untimed=cmd["untimed"])
        print(json.dumps({"times": times}), flush=True)


def run_interleaved(args, rounds=4, pause=0.05):
    """Both sides in one pass over the cases: each case's runs are split into
    `rounds` slices per side, taken in turn (ABBA), so a drifting machine
    slows both sides alike. The reference is a serving subprocess; each
    slice starts with two untimed runs (the other process had the caches)
    after a pause that lets the other side's spinning threads settle."""
    cmd = [args.against or sys.executable, os.path.abspath(__file__), "--serve",
           "--backend", args.against_backend, "--device", args.device,
           "--warmup", str(args.warmup)]
    print(f"run: {' '.join(cmd)}", file=sys.stderr)
    ref = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    be = make_backend(args.backend, args.device)
    repeat = -(-args.repeat // rounds)
    min_time = args.min_time / rounds
    ours, theirs = {}, {}
    try:
        for name in args.cases:
            run, metric, unit = CASES[name](be)
            warm_up(run, args.warmup)
            mine, other = [], []

            def reference_slice():
                ref.stdin.write(json.dumps({"case": name, "repeat": repeat,
                                            "min_time": min_time, "untimed": 2}) + "\n")
                ref.stdin.flush()
                return json.loads(ref.stdout.readline())["times"]

            for r in range(rounds):
                # Sides alternate going first (ABBA...), so neither always
                # follows the other.
                for side in ((0, 1) if r % 2 == 0 else (1, 0)):
                    time.sleep(pause)
                    if side == 0:
                        mine += time_runs(run, repeat, min_time, untimed=2)
                    else:
                        other += reference_slice()
            run = None
            ours[name] = summarize(mine, metric, unit)
            theirs[name] = summarize(other, metric, unit)
    finally:
        ref.stdin.close()
        ref.wait()

    def result(backend, python, cases):
        return {"backend": backend, "python": python, "cases": cases,
                "platform": platform.platform(), "cpu_count": os.cpu_count(),
                "date": time.strftime("%Y-%m-%d %H:%M:%S"), "interleaved": True}

    return (result(be.name, sys.executable, ours),
            result(args.against_backend, args.against or sys.executable, theirs))


def label(result):
    return f"{result['backend']} ({result['python']})"


def print_table(result):
    print(f"# {label(result)}  {result['platform']}  cpus={result['cpu_count']}")
    print(f"{'case':<18} {'median ms':>10} {'result':>12} unit")
    for name, r in result["cases"].items():
        ms = r["median_s"] * 1e3
        print(f"{name:<12} {ms:10.3f} {r['value']:12.2f} {r['unit']}")


def print_comparison(ours, ref):
    print(f"# this run: {label(ours)}")
    print(f"# reference: {label(ref)}")
    print(f"{'case':<20} {'this':>10} {'reference':>10} {'unit':<8} {'speedup':>8} "
          f"{'ms':>8} {'target':>7}  met")
    met = 0
    for name, r in ours["cases"].items():
        other = ref["cases"].get(name)
        ms = r["median_s"] * 1e3
        if other is None:
            print(f"{name:<20} {r['value']:10.2f} {'-':>10} {r['unit']:<8}")
            continue
        speedup = other["median_s"] / r["median_s"]
        target = TARGET_MS.get(name)
        ok = target is not None and ms <= target and speedup >= 1.0
        met += ok
        print(f"{name:<20} {r['value']:10.2f} {other['value']:10.2f} {r['unit']:<8} "
              f"{speedup:7.2f}x {ms:8.3f} {target if target else '-':>7}  "
              f"{'yes' if ok else 'no'}")
    print(f"# {met} of {len(ours['cases'])} cases under their target and at least as "
          f"fast as the reference")


def print_spread(ours, refs):
    """Milliseconds per case over several fresh-process runs of each side:
    the median of the runs' medians, and the fastest and slowest run."""
    def stats(runs, name):
        ms = sorted(r["cases"][name]["median_s"] * 1e3 for r in runs if name in r["cases"])
        return (statistics.median(ms), ms[0], ms[-1]) if ms else None

    print(f"# {len(ours)} runs of {label(ours[0])}" +
          (f" against {len(refs)} of {label(refs[0])}" if refs else ""))
    print(f"{'case':<20} {'this ms [min-max]':>28} {'reference ms [min-max]':>30} {'speedup':>8}")
    for name in ours[0]["cases"]:
        m, lo, hi = stats(ours, name)
        line = f"{name:<20} {m:10.3f} [{lo:.3f}-{hi:.3f}]".ljust(50)
        other = stats(refs, name) if refs else None
        if other:
            line += f" {other[0]:10.3f} [{other[1]:.3f}-{other[2]:.3f}]".ljust(31)
            line += f" {other[0] / m:7.2f}x"
        print(line)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--backend", choices=["mlx", "torch"], default="mlx")
    p.add_argument("--against", metavar="PYTHON")
    p.add_argument("--against-backend", choices=["mlx", "torch"])
    p.add_argument("--device", choices=["cpu", "gpu"], default="cpu",
                   help="gpu: the GPU cases (bench/gpu_cases.py) on the GPU")
    p.add_argument("--cases", default="")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--min-time", type=float, default=0.0,
                   help="time each case for at least this many seconds")
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--runs", type=int, default=1,
                   help="fresh processes per side; above 1, report the spread")
    p.add_argument("--interleave", action="store_true",
                   help="alternate slices of each case between the two sides")
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    p.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    global CASES
    if args.device == "gpu":
        CASES = GPU_CASES
    args.cases = [c for c in args.cases.split(",") if c] or list(CASES)
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        p.error(f"unknown cases {unknown}; choose from {list(CASES)}")
    if args.against and not args.against_backend:
        args.against_backend = "mlx"
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.list:
        print("\n".join(CASES))
        return
    if args.serve:
        serve(args)
        return
    if args.interleave:
        if not (args.against or args.against_backend):
            sys.exit("--interleave needs a reference (--against or --against-backend)")
        ours, ref = run_interleaved(args)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"this": ours, "reference": ref}, f, indent=2)
        print_comparison(ours, ref)
        return
    if args.runs > 1:
        # Alternate the two sides so slow drift of the machine hits both.
        ours, refs = [], []
        for _ in range(args.runs):
            ours.append(measure(sys.executable, args.backend, args))
            if args.against or args.against_backend:
                refs.append(run_reference(args))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"this": ours, "reference": refs}, f, indent=2)
        print_spread(ours, refs)
        return
    ours = run_local(args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(ours, f, indent=2)
    if args.quiet:
        return
    if args.against or args.against_backend:
        print_comparison(ours, run_reference(args))
    else:
        print_table(ours)


if __name__ == "__main__":
    main()
