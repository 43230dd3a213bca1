#!/usr/bin/env python
"""Crash and hang fuzzer for mlx.core: every public function, valid and hostile arguments.

    python tests/fuzz/fuzz.py --calls 100000 --seed 1 --jobs 2 --report out.json
    python tests/fuzz/fuzz.py --seed 1 --show 4711      # print snippet 4711's reproducer
    python tests/fuzz/fuzz.py --seed 1 --replay 4700-4711   # run them in one process
    python tests/fuzz/fuzz.py --seed 1 --minimize 3000-4711 # fewest that still crash

Snippets (snippets.py) run in long-lived worker processes, one after the
other. A worker announces each snippet's index before running it, so when
the worker dies (signal, abort) or goes silent for --hang-timeout seconds
the parent knows which snippet did it, records it with its reproducer and
starts a new worker at the next snippet. Python exceptions are only
counted. Exit status 1 when there was any crash or hang.
"""

import argparse
import json
import os
import re
import resource
import select
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from collections import Counter, defaultdict, deque

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# An editable install runs `cmake --build` on each process's first import of
# mlx. Workers (restarted after every crash) and reproducer checks must test
# the build that is there, not start builds; the parent does too when
# EMBER_FUZZ_NO_REBUILD=1 (set by tests/python/test_fuzz.py, whose pytest
# process has already imported, and so rebuilt, mlx).
NO_REBUILD = (
    "import sys\nfor _f in sys.meta_path:\n    if hasattr(_f, 'rebuild_flag'):\n"
    "        _f.rebuild_flag = False\n"
)

ALLOWED = (
    TypeError,
    ValueError,
    IndexError,
    RuntimeError,
    MemoryError,
    OverflowError,
    NotImplementedError,
    ZeroDivisionError,
)
CHUNK_SNIPPETS, CHUNK_BYTES = 25, 48 * 1024  # a chunk must fit in the pipe buffer
RECYCLE = 1000  # snippets per worker before a fresh one (bounds leaked state)
EXAMPLES = 3
# Argument-binding errors of nanobind and of Python functions: they name the
# function in Python's own form ("vmap() got an unexpected keyword ...").
BINDING_ERROR = re.compile(
    r"^[\w.]+\(\)(: incompatible function arguments| got | missing | takes )"
)


def limit_resources(mem_gib):
    """Huge allocations fail fast instead of swapping; no core files."""
    resource.setrlimit(resource.RLIMIT_AS, (mem_gib << 30, mem_gib << 30))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# --- worker side -------------------------------------------------------------------
def heap_check():
    """glibc's malloc_trim walks every arena, so heap corruption aborts here,
    blamed on the snippet that did it, not thousands of snippets later."""
    try:
        import ctypes

        trim = ctypes.CDLL(None).malloc_trim
        return lambda: trim(0)
    except (OSError, AttributeError):
        return lambda: None


def run_one(job, base, check=lambda: None):
    ns = dict(base)
    out, phase, start = {"i": job["i"]}, "setup", time.perf_counter()
    try:
        exec(compile(job["setup"], "<setup>", "exec"), ns)
        phase = "call"
        exec(compile(job["call"], "<call>", "exec"), ns)
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # every exception type is data here
        try:
            msg = str(e)
        except BaseException:
            msg = "<str() failed>"
        out.update(
            exc=type(e).__name__,
            msg=msg[:300],
            phase=phase,
            allowed=isinstance(e, ALLOWED),
        )
    ns.clear()  # free the arrays now, so a crash in a destructor blames this snippet
    check()
    out["t"] = round(time.perf_counter() - start, 4)
    return out


def worker_main(mem_gib):
    exec(NO_REBUILD)
    limit_resources(mem_gib)
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(
        os.open(os.devnull, os.O_WRONLY), 1
    )  # stray prints must not corrupt the protocol
    sys.stdout = open(os.devnull, "w")
    import faulthandler

    faulthandler.enable()  # a crash leaves a Python traceback in the stderr file
    warnings.simplefilter("ignore")
    from snippets import PRELUDE

    base = {"__name__": "__fuzz__"}
    exec(PRELUDE, base)
    check = heap_check()
    for line in sys.stdin:
        job = json.loads(line)
        proto.write(f"S {job['i']}\n")
        proto.write(json.dumps(run_one(job, base, check)) + "\n")


def parse_indices(text):
    """'3,7,10-20' -> [3, 7, 10, ..., 20]"""
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def replay_main(opts):
    """Run the listed snippets in this process, in order, as a worker would."""
    limit_resources(opts.mem_gib)
    import faulthandler

    faulthandler.enable()
    warnings.simplefilter("ignore")
    from snippets import PRELUDE, Table

    table, base, check = Table(), {"__name__": "__fuzz__"}, heap_check()
    exec(PRELUDE, base)
    os.chdir(tempfile.mkdtemp())
    for i in parse_indices(opts.replay):
        _, setup, call = table.snippet(opts.seed, i)
        res = run_one({"i": i, "setup": setup, "call": call}, base, check)
        print(i, res.get("exc", "ok"), flush=True)


def minimize_main(opts):
    """Delta debugging (ddmin) over snippet indices: the shortest sequence
    that still crashes or hangs, for crashes that need earlier snippets."""

    def fails(idx):
        try:
            p = subprocess.run(
                replay_command(opts, idx),
                capture_output=True,
                timeout=opts.hang_timeout + 0.1 * len(idx),
                env=dict(os.environ, EMBER_FUZZ_NO_REBUILD="1"),
            )
        except subprocess.TimeoutExpired:
            return True
        return p.returncode < 0

    idx, n = parse_indices(opts.minimize), 2
    if not fails(idx):
        return print("the sequence does not crash or hang when replayed")
    while len(idx) > 1:
        size = max(1, len(idx) // n)
        chunks = [idx[i : i + size] for i in range(0, len(idx), size)]
        found = next((c for c in chunks if fails(c)), None)
        if found:
            idx, n = found, 2
        else:  # try dropping one chunk (when n == 2 the complements are the chunks)
            rests = (
                ([i for i in idx if i not in c] for c in chunks) if n > 2 else iter(())
            )
            found = next((r for r in rests if fails(r)), None)
            if found:
                idx, n = found, max(n - 1, 2)
            elif n >= len(idx):
                break
            else:
                n = min(len(idx), 2 * n)
        print(f"  {len(idx)} snippets", flush=True)
    from snippets import Table

    table = Table()
    print(f"minimal sequence: {','.join(map(str, idx))}")
    for i in idx:
        name, setup, call = table.snippet(opts.seed, i)
        print(f"# snippet {i}: {name}\n{setup}\n{call}".replace("\n\n", "\n"))


# --- parent side ---------------------------------------------------------------------
class Worker:
    def __init__(self, opts, root):
        self.dir = tempfile.mkdtemp(dir=root)
        self.err_path = os.path.join(self.dir, "stderr.txt")
        env = dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0", PYTHONHASHSEED="0")
        with open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    os.path.join(HERE, "fuzz.py"),
                    "--worker",
                    "--mem-gib",
                    str(opts.mem_gib),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                cwd=self.dir,
                env=env,
            )
        self.queue = deque()  # indices sent and not finished
        self.current, self.done, self.buf = None, 0, b""
        self.last = time.monotonic()
        self.history = deque(maxlen=5)  # recent snippets, for crashes that need them
        self.ran = []  # every snippet this worker finished, for crashes at exit

    def send(self, jobs):
        data = "".join(json.dumps(j) + "\n" for j in jobs).encode()
        self.queue.extend(j["i"] for j in jobs)
        self.last = time.monotonic()
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # the read side sees EOF and records the death

    def stderr_tail(self, n=2500):
        try:
            with open(self.err_path, "rb") as f:
                f.seek(0, 2)
                f.seek(max(0, f.tell() - n))
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def close(self, timeout=20, kill=False):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        if kill:
            self.proc.kill()
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc.stdout.close()
        return rc


def describe_rc(rc):
    if rc is None:
        return "killed after hang"
    if rc < 0:
        try:
            return signal.Signals(-rc).name
        except ValueError:
            return f"signal {-rc}"
    return f"exit {rc}"


class Stats:
    def __init__(self):
        self.calls, self.outcomes, self.per_name, self.ok = (
            0,
            Counter(),
            Counter(),
            Counter(),
        )
        self.unnamed = defaultdict(lambda: {"count": 0, "examples": []})
        self.binding = Counter()
        self.disallowed = defaultdict(lambda: {"count": 0, "examples": []})
        self.setup_errors = defaultdict(lambda: {"count": 0, "examples": []})
        self.slowest = []
        self.failures = []  # crashes and hangs

    @staticmethod
    def note(table, name, res):
        entry = table[name]
        entry["count"] += 1
        if len(entry["examples"]) < EXAMPLES and all(
            e["msg"] != res["msg"] for e in entry["examples"]
        ):
            entry["examples"].append(
                {"index": res["i"], "type": res["exc"], "msg": res["msg"]}
            )

    def add(self, name, res):
        self.calls += 1
        self.per_name[name] += 1
        self.outcomes[res.get("exc", "ok")] += 1
        self.ok[name] += "exc" not in res
        if "exc" in res:
            if res["phase"] == "setup":
                self.note(self.setup_errors, name, res)
            elif not res["allowed"]:
                self.note(self.disallowed, name, res)
            elif BINDING_ERROR.match(res["msg"]):
                self.binding[name] += 1
            elif not res["msg"].startswith("["):
                self.note(self.unnamed, name, res)
        self.slowest = sorted(
            self.slowest + [(res["t"], res["i"], name)], reverse=True
        )[:10]


def run(opts):
    from snippets import Table, reproducer

    table = Table()
    stats, names = Stats(), {}
    pending = deque(range(opts.start, opts.start + opts.calls))
    root = tempfile.mkdtemp(prefix="ember-fuzz-")
    workers = [Worker(opts, root) for _ in range(opts.jobs)]
    t0, next_progress, startup_failures = time.monotonic(), time.monotonic() + 30, 0

    def fail(w, kind, rc):
        idx = w.current if w.current is not None else (w.queue[0] if w.queue else None)
        at_exit = (
            idx is None
        )  # died after its last snippet: Python shutdown, or late heap damage
        if at_exit:
            idx = w.history[-1] if w.history else None
        name, setup, call = (
            table.snippet(opts.seed, idx) if idx is not None else ("<startup>", "", "")
        )
        stats.failures.append(
            {
                "kind": kind + (" at exit" if at_exit else ""),
                "index": idx,
                "name": name,
                "how": describe_rc(rc),
                "snippet": (setup + "\n" + call).strip(),
                "reproducer": reproducer(setup, call),
                "stderr_tail": w.stderr_tail(),
                "previous": list(w.history),
                "ran": w.ran,
            }
        )
        if not at_exit:
            stats.add(
                name,
                {
                    "i": idx,
                    "exc": kind.upper(),
                    "phase": "call",
                    "allowed": True,
                    "msg": "[fuzz]",
                    "t": 0,
                },
            )
            names.pop(idx, None)
        pending.extendleft(reversed([i for i in w.queue if i != idx]))

    def died(k, w, rc):
        nonlocal startup_failures
        if w.current is None and not w.ran:  # died before its first snippet
            startup_failures += 1
            if startup_failures > 3:
                sys.exit("fuzz: workers die at start-up:\n" + w.stderr_tail())
            pending.extendleft(reversed(w.queue))
        else:
            fail(w, "crash" if rc is not None else "hang", rc)
        workers[k] = Worker(opts, root)

    while pending or any(w.queue for w in workers):
        for k, w in enumerate(workers):
            if w.queue:
                continue
            if w.done >= RECYCLE or w.proc.poll() is not None:
                rc = w.close()
                if rc:
                    fail(w, "crash", rc)
                workers[k] = w = Worker(opts, root)
            if pending:
                jobs, size = [], 0
                while pending and len(jobs) < CHUNK_SNIPPETS and size < CHUNK_BYTES:
                    i = pending.popleft()
                    names[i], setup, call = table.snippet(opts.seed, i)
                    jobs.append({"i": i, "setup": setup, "call": call})
                    size += len(setup) + len(call)
                w.send(jobs)
        busy = {w.proc.stdout.fileno(): w for w in workers if w.queue}
        ready, _, _ = select.select(list(busy), [], [], 0.5)
        for fd in ready:
            w = busy[fd]
            data = os.read(fd, 1 << 16)
            if not data:  # the worker died
                died(workers.index(w), w, w.close())
                continue
            w.buf += data
            w.last = time.monotonic()
            *lines, w.buf = w.buf.split(b"\n")
            for line in lines:
                if line.startswith(b"S "):
                    w.current = int(line[2:])
                elif line.startswith(b"{"):
                    res = json.loads(line)
                    stats.add(names.pop(res["i"]), res)
                    w.queue.remove(res["i"])
                    w.history.append(res["i"])
                    w.ran.append(res["i"])
                    w.current, w.done = None, w.done + 1
        for k, w in enumerate(workers):
            if w.queue and time.monotonic() - w.last > opts.hang_timeout:
                w.close(kill=True)
                died(k, w, None)
        if not opts.quiet and time.monotonic() > next_progress:
            next_progress += 30
            print(
                f"  ... {stats.calls} calls, {len(stats.failures)} crashes/hangs, "
                f"{time.monotonic() - t0:.0f} s",
                flush=True,
            )
    for w in workers:
        rc = w.close()
        if rc:
            fail(w, "crash", rc)
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    elapsed = time.monotonic() - t0
    confirm(opts, stats)
    return table, stats, elapsed


def outcome(cmd, opts, timeout):
    with tempfile.TemporaryDirectory() as d:
        try:
            p = subprocess.run(
                cmd,
                cwd=d,
                capture_output=True,
                timeout=timeout,
                preexec_fn=lambda: limit_resources(opts.mem_gib),
                env=dict(
                    os.environ, SKBUILD_EDITABLE_VERBOSE="0", EMBER_FUZZ_NO_REBUILD="1"
                ),
            )
        except subprocess.TimeoutExpired:
            return "hang"
    return (
        f"{'crash' if p.returncode < 0 else 'no crash'} ({describe_rc(p.returncode)})"
    )


def standalone(opts, source):
    """Run a reproducer in a fresh interpreter: does it crash or hang alone?"""
    return outcome([sys.executable, "-c", NO_REBUILD + source], opts, opts.hang_timeout)


def replay_command(opts, indices):
    """The command that replays these snippets in one worker-like process."""
    return [
        sys.executable,
        os.path.join(HERE, "fuzz.py"),
        "--seed",
        str(opts.seed),
        "--mem-gib",
        str(opts.mem_gib),
        "--replay",
        ",".join(map(str, indices)),
    ]


def replayed(opts, indices):
    """Run snippets in one fresh worker-like process, with its heap check after each."""
    return outcome(
        replay_command(opts, indices), opts, opts.hang_timeout + 0.1 * len(indices)
    )


def group_failures(failures):
    groups = defaultdict(list)
    for f in failures:
        groups[(f["kind"], f["name"], f["how"])].append(f)
    return groups


def confirm(opts, stats):
    """Re-run one reproducer per distinct failure: alone; else replayed with the
    worker's heap check; else replayed after the snippets that preceded it."""
    for fs in list(group_failures(stats.failures).values())[:30]:
        f = min(fs, key=lambda f: len(f["reproducer"]))
        f["standalone"] = standalone(opts, f["reproducer"])
        if f["standalone"].startswith("no crash"):
            f["replayed"] = replayed(opts, [f["index"]])
            seq = f["previous"] + [i for i in [f["index"]] if i not in f["previous"]]
            if f["replayed"].startswith("no crash") and len(seq) > 1:
                f["with_previous"] = replayed(opts, seq)


def pattern(msg):
    return re.sub(r"\d+", "N", msg.split("\n")[0])[:90]


def base_call_types(names):
    """Call types without the transform(op) pairs such as grad(mx.sort)."""
    return [n for n in names if not re.match(r"\w+\(mx\.", n)]


def summarize(opts, table, stats, elapsed):
    from snippets import SKIP, WRAPPERS

    exercised = sorted(stats.per_name)
    wrapped = sorted(set(exercised) - set(base_call_types(exercised)))
    unexercised_spec = sorted(table.spec_names() - set(table.names) - SKIP)
    lines = [
        f"Ember fuzz: seed {opts.seed}, snippets {opts.start}..{opts.start + opts.calls - 1}, "
        f"{opts.jobs} workers, {elapsed:.1f} s, {stats.calls / max(elapsed, 1e-9):.0f} calls/s",
        f"calls run: {stats.calls}; distinct call types exercised: {len(exercised) - len(wrapped)} "
        f"(of {len(set(table.names) - set(WRAPPERS))} in the table), plus {len(wrapped)} transform(op) pairs",
        "outcomes: " + ", ".join(f"{k} {v}" for k, v in stats.outcomes.most_common()),
    ]
    if unexercised_spec:
        lines.append(
            f"spec names missing from Ember (not fuzzed): {', '.join(unexercised_spec)}"
        )
    groups = group_failures(stats.failures)
    lines.append(
        f"crashes: {sum(f['kind'] == 'crash' for f in stats.failures)}, "
        f"hangs: {sum(f['kind'] == 'hang' for f in stats.failures)}, distinct: {len(groups)}"
    )
    for (kind, name, how), fs in groups.items():
        f = min(fs, key=lambda f: len(f["reproducer"]))
        lines.append(
            f"\n=== {kind} in {name} ({how}) x{len(fs)}, snippet {f['index']}; alone: "
            f"{f.get('standalone', '?')}"
            + (f"; --replay {f['index']}: {f['replayed']}" if "replayed" in f else "")
            + (
                f"; after {f['previous']}: {f['with_previous']}"
                if "with_previous" in f
                else ""
            )
        )
        if "at exit" in kind or "no crash" in f.get(
            "with_previous", f.get("replayed", "crash")
        ):
            seq = f["ran"] + [f["index"]]
            lines.append(
                f"    (needs earlier snippets of its worker, which ran {len(f['ran'])}; find them with "
                f"--seed {opts.seed} --minimize {min(seq)}-{max(seq)})"
            )
        lines.append(textwrap.indent(f["snippet"], "    "))
        tail = [t for t in f["stderr_tail"].splitlines() if t.strip()][-6:]
        lines += ["  | " + t for t in tail]
    for title, tab in [
        ("exceptions of types other than the allowed ones", stats.disallowed),
        ("setup errors (generator bugs or constructor bugs)", stats.setup_errors),
    ]:
        if tab:
            lines.append(f"\n{title}: {sum(e['count'] for e in tab.values())}")
            for name, e in sorted(tab.items(), key=lambda kv: -kv[1]["count"]):
                ex = e["examples"][0]
                lines.append(
                    f"  {name} x{e['count']}: {ex['type']}: {ex['msg'][:120]!r} (snippet {ex['index']})"
                )
    lines.append(
        f"\nargument-binding errors naming the function ('name() ...'): "
        f"{sum(stats.binding.values())} in {len(stats.binding)} call types"
    )
    total = sum(e["count"] for e in stats.unnamed.values())
    lines.append(
        f"messages naming no op (neither '[op] ...' nor 'name() ...'): {total} "
        f"in {len(stats.unnamed)} call types"
    )
    pats = Counter()
    for name, e in stats.unnamed.items():
        for ex in e["examples"]:
            pats[(ex["type"], pattern(ex["msg"]))] += 1
    for (typ, pat), n in pats.most_common(opts.top):
        users = [
            nm
            for nm, e in stats.unnamed.items()
            if any(pattern(x["msg"]) == pat for x in e["examples"])
        ]
        lines.append(f"  {typ}: {pat!r}  [{n} call types, e.g. {', '.join(users[:4])}]")
    never = [
        n
        for n in base_call_types(exercised)
        if not stats.ok[n] and stats.per_name[n] >= 5
    ]
    lines.append(
        f"call types (5+ calls) that never returned normally: {', '.join(never) or 'none'}"
    )
    lines.append(
        "slowest calls: "
        + ", ".join(f"{n} #{i} {t:.2f}s" for t, i, n in stats.slowest[:5])
    )
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--start",
        type=int,
        default=0,
        help="first snippet index (to continue or shard a run)",
    )
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--hang-timeout", type=float, default=15.0)
    ap.add_argument("--mem-gib", type=int, default=4, help="RLIMIT_AS of each worker")
    ap.add_argument("--report", help="write the full results as JSON here")
    ap.add_argument(
        "--show", type=int, help="print the reproducer of this snippet and exit"
    )
    ap.add_argument(
        "--replay", help="run these snippets ('3,7,10-20') in one process, in order"
    )
    ap.add_argument(
        "--minimize",
        help="shrink a crashing sequence of snippets ('10-900') to the "
        "fewest that still crash (for crashes that need earlier snippets)",
    )
    ap.add_argument("--top", type=int, default=25, help="message patterns to list")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if os.environ.get("EMBER_FUZZ_NO_REBUILD") == "1":
        exec(NO_REBUILD)
    if opts.worker:
        return worker_main(opts.mem_gib)
    if opts.replay:
        return replay_main(opts)
    if opts.minimize:
        return minimize_main(opts)
    if opts.show is not None:
        from snippets import Table, reproducer

        name, setup, call = Table().snippet(opts.seed, opts.show)
        print(f"# {name}\n{reproducer(setup, call)}")
        return 0
    table, stats, elapsed = run(opts)
    print(summarize(opts, table, stats, elapsed))
    if opts.report:
        with open(opts.report, "w") as f:
            json.dump(
                {
                    "seed": opts.seed,
                    "start": opts.start,
                    "calls": stats.calls,
                    "seconds": elapsed,
                    "distinct_call_types": len(base_call_types(stats.per_name)),
                    "call_types": {
                        n: [stats.per_name[n], stats.ok[n]]
                        for n in sorted(stats.per_name)
                    },
                    "outcomes": stats.outcomes,
                    "failures": stats.failures,
                    "unnamed_messages": stats.unnamed,
                    "binding_errors": stats.binding,
                    "disallowed_exceptions": stats.disallowed,
                    "setup_errors": stats.setup_errors,
                },
                f,
                indent=1,
            )
    return 1 if stats.failures else 0


if __name__ == "__main__":
    sys.exit(main())
