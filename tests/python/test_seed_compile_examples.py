"""The compile and tree_map examples of seed 002 run as written and print
what the seed says they print.

The code is read from ../shared/spec/seeds at test time. The seed is prose
with unfenced code, so each example is cut out between two phrases of the
text; the only change made to it is removing the stray single space that
the document put in front of some top-level lines. As in the guide, the
examples run where `import mlx.core as mx` was done.
"""

import contextlib
import io
import re

import pytest

import mlx.core as mx
from test_seed_examples import SEED


def seed_text():
    if not SEED.exists():
        pytest.skip(f"the seed documents are not at {SEED.parent}")
    return SEED.read_text()


def example(start, end, occurrence=0):
    """The text from the occurrence-th `start` up to the next `end`."""
    text = seed_text()
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(start, at + 1)
    code = text[at : text.index(end, at)]
    return re.sub(r"(?m)^ (?=\S)", "", code)


def run(code):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "seed-002", "exec"), {"mx": mx})
    return out.getvalue()


def test_impure_function_crashes_when_printing_the_placeholder():
    code = example("state = []\n\n@mx.compile", "After the first call")
    with pytest.raises(ValueError, match=r"\[compile\]"):
        run(code)


def test_returning_state_as_an_output():
    code = example("state = []\n\n@mx.compile", "In some cases returning", occurrence=1)
    assert "[array(3, dtype=float32)]" in run(code)


def test_capturing_implicit_outputs():
    code = example("from functools import partial\n\nstate = []", "This is particularly useful")
    assert "[array(3, dtype=float32)]" in run(code)


def test_captured_constants_and_inputs():
    consts = example("state = [mx.array(1.0)]\n\n@mx.compile", "In order to have the change")
    assert run(consts).split() == ["array(2,", "dtype=float32)"] * 2
    inputs = example("from functools import partial\nstate = [mx.array(1.0)]", "Compiling Training Graphs")
    assert run(inputs).split() == ["array(2,", "dtype=float32)", "array(6,", "dtype=float32)"]


def test_training_examples_eager_and_compiled():
    eager = example("import mlx.core as mx\nimport mlx.nn as nn", "To compile the update")
    run(eager)
    compiled = example("import mlx.core as mx\nimport mlx.nn as nn", "Note", occurrence=1)
    losses = re.findall(r"array\(([-0-9.e]+), dtype=float32\)", run(compiled))
    assert len(losses) == 10
    # SGD with momentum on a linear model: the loss goes down.
    assert float(losses[-1]) < float(losses[0])


def test_transformations_with_compile():
    code = example("grad_fn = mx.grad(mx.exp)", "Note")
    assert run(code).split() == ["array(2.71828,", "dtype=float32)"] * 2
    nested = example("@mx.compile\ndef inner(x):", "=====")
    scope = {"mx": mx}
    exec(compile(nested, "seed-002", "exec"), scope)
    assert scope["fun"](mx.array([1.0])) is None  # outer returns nothing


def test_tree_map_example():
    code = example("import mlx.nn as nn\nfrom mlx.utils import tree_map", "Parameters")
    scope = {"mx": mx}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "seed-002", "exec"), scope)
    assert "dict_keys(['weight', 'bias'])" in out.getvalue()
    # The update squared every parameter in place of the old ones.
    assert float(scope["model"].weight.min().item()) >= 0.0
