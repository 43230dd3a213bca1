"""The training examples in examples/ run and print what they promise.

Each example runs in a fresh interpreter with --quick (a few epochs or
steps, a smaller model), the way a user starts it. The bootstrap switches
off the editable install's rebuild-on-import, so the test never triggers a
C++ build; with a regular install it does nothing.
"""

import hashlib
import math
import pathlib
import re
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
DATA = EXAMPLES / "data"

BOOTSTRAP = """
import runpy, sys
for finder in sys.meta_path:
    if hasattr(finder, "rebuild_flag"):
        finder.rebuild_flag = False
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_example(name, *args, timeout=120):
    """Run examples/<name> with args; returns (exit status, stdout). A
    traceback fails the test with stderr shown."""
    script = EXAMPLES / name
    proc = subprocess.run(
        [sys.executable, "-c", BOOTSTRAP, str(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    return proc.returncode, proc.stdout


def without_times(output):
    """The output with wall-clock figures blanked (they differ run to run)."""
    output = re.sub(r"time [\d.]+s", "time *", output)
    return re.sub(r"[\d,]+ tokens/s", "* tokens/s", output)


def test_data_files_match_their_recorded_checksums():
    readme = (DATA / "README.md").read_text()
    recorded = dict(
        re.findall(r"^## (\S+).*?sha256: `([0-9a-f]{64})`", readme, re.M | re.S)
    )
    assert set(recorded) == {"digits.csv.gz", "kjv_genesis_exodus.txt.gz"}
    for name, digest in recorded.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("model", ["cnn", "mlp"])
def test_classifier_quick_trains_and_reports_accuracy(model):
    code, out = run_example("train_classifier.py", "--quick", "--model", model)
    assert code == 0, out
    assert "1437 train / 360 test images" in out
    assert f"model: {model}," in out
    epochs = re.findall(
        r"epoch +(\d+) +loss ([\d.]+) +train acc ([\d.]+) +test acc ([\d.]+) +time", out
    )
    assert [int(e[0]) for e in epochs] == [1, 2, 3]
    losses = [float(e[1]) for e in epochs]
    assert losses[-1] < losses[0] < math.log(10) + 0.5
    final = re.search(r"final test accuracy ([\d.]+) \(expected >= ([\d.]+)\): OK", out)
    assert final, out
    assert float(final.group(1)) >= float(final.group(2)) == 0.80
    assert float(final.group(1)) == float(epochs[-1][3])


def test_classifier_is_deterministic_for_a_seed():
    first = run_example("train_classifier.py", "--quick", "--seed", "3")
    second = run_example("train_classifier.py", "--quick", "--seed", "3")
    assert first[0] == second[0] == 0
    assert without_times(first[1]) == without_times(second[1])


def test_classifier_exit_status_reports_a_missed_target():
    # Without training the accuracy is near chance: below the stated bar.
    code, out = run_example("train_classifier.py", "--epochs", "0")
    assert code == 1, out
    assert "(expected >= 0.95): BELOW EXPECTED" in out


def test_transformer_lm_quick_trains_and_samples():
    code, out = run_example("train_transformer_lm.py", "--quick")
    assert code == 0, out
    vocab = int(re.search(r"vocabulary of (\d+)", out).group(1))
    assert vocab == 72
    logs = re.findall(r"step +(\d+) +loss ([\d.]+) +lr \S+ +([\d,]+) tokens/s", out)
    assert [int(step) for step, _, _ in logs] == [10, 20, 30, 40]
    assert all(float(rate.replace(",", "")) > 0 for _, _, rate in logs)
    losses = [float(loss) for _, loss, _ in logs]
    assert losses[-1] < losses[0] < math.log(vocab) + 0.5

    final = re.search(r"final validation loss ([\d.]+) \(expected <= ([\d.]+)\): OK", out)
    assert final, out
    assert float(final.group(1)) <= float(final.group(2)) == 3.0

    sample = re.search(r"sample \(temperature [\d.]+\):\n-+\n(.*?)\n-+\n", out, re.S)
    assert sample, out
    text = sample.group(1)
    assert text.startswith("And God said")
    assert len(text) == len("And God said") + 80
