"""A fixed-seed slice of the crash/hang fuzzer (tests/fuzz): 20,000 calls.

Every public function of mlx.core and its submodules, the array methods,
operators, indexing and .at[] updates get valid and hostile arguments in
worker processes; the test fails when a worker dies or hangs, and prints
each such snippet as a reproducer. Python exceptions are allowed here (the
fuzzer's own summary lists the ones whose message does not name the op).
The long run is `python tests/fuzz/fuzz.py --calls 100000 --seed 1`.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import mlx.core  # noqa: F401  (an editable install rebuilds here, once, not in the workers)

FUZZ = Path(__file__).resolve().parents[1] / "fuzz" / "fuzz.py"
CALLS = int(os.environ.get("EMBER_FUZZ_CALLS", "20000"))  # about a minute on 2 cores


def test_fuzz_slice_has_no_crash_or_hang(tmp_path):
    report = tmp_path / "fuzz.json"
    env = dict(os.environ, EMBER_FUZZ_NO_REBUILD="1", SKBUILD_EDITABLE_VERBOSE="0")
    cmd = [
        sys.executable,
        str(FUZZ),
        "--calls",
        str(CALLS),
        "--seed",
        "0",
        "--jobs",
        "2",
        "--quiet",
        "--report",
        str(report),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    print(proc.stdout)
    assert report.exists(), proc.stdout + proc.stderr
    data = json.loads(report.read_text())
    assert data["calls"] >= CALLS
    assert data["distinct_call_types"] >= 200
    found = [
        f"{f['kind']} in {f['name']} ({f['how']}), snippet {f['index']}, alone: "
        f"{f.get('standalone', '?')}\n{f['snippet']}"
        for f in data["failures"]
    ]
    assert not found, (
        f"{len(found)} crashes/hangs; reproduce with `python {FUZZ} --seed 0 "
        "--show N`:\n\n" + "\n\n".join(found)
    )
