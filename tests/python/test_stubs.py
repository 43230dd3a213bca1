"""The installed typed stubs: present, with real signatures, and good
enough for mypy to check the examples."""

import os
import pathlib
import shutil
import subprocess
import sys

import mlx
import mlx.core as mx

ROOT = pathlib.Path(__file__).resolve().parents[2]
# mlx.core is the extension module; its stubs sit beside it in core/.
STUBS = pathlib.Path(mx.__file__).parent / "core"


def test_stubs_are_installed():
    names = {p.name for p in STUBS.glob("*.pyi")}
    assert {"__init__.pyi", "random.pyi", "fft.pyi", "linalg.pyi", "fast.pyi"} <= names
    assert (STUBS.parent / "py.typed").exists()


def test_stub_signatures_name_their_types():
    text = (STUBS / "__init__.pyi").read_text()
    assert "def zeros(shape: int | Sequence[int], dtype: Dtype | None = None, *, stream:" in text
    assert "def item(self) -> bool | int | float | complex" in text
    # Functions written in Python are part of mlx.core, not imported into it.
    assert "from mlx._" not in text
    for name in ("grad", "value_and_grad", "compile", "load", "vmap"):
        assert f"\ndef {name}(" in text
    assert "def normal(shape: int | Sequence[int]" in (STUBS / "random.pyi").read_text()


def test_mypy_passes_on_the_examples(tmp_path):
    # A tree with the Python package and the stubs, as `pip install .`
    # lays them out (an editable install keeps them in two places).
    pkg = tmp_path / "mlx"
    shutil.copytree(pathlib.Path(mlx.__file__).parent, pkg,
                    ignore=shutil.ignore_patterns("__pycache__", "*.so"),
                    dirs_exist_ok=True)
    shutil.copytree(STUBS, pkg / "core", dirs_exist_ok=True)
    shutil.copy(STUBS.parent / "py.typed", pkg / "py.typed")
    env = dict(os.environ, MYPYPATH=str(tmp_path))
    res = subprocess.run(
        [sys.executable, "-m", "mypy", "--follow-imports=silent",
         "--cache-dir", str(tmp_path / ".mypy_cache"), str(ROOT / "examples")],
        env=env, capture_output=True, text=True,
    )
    # Comparisons return arrays, which object.__eq__'s bool cannot express:
    # the stub's own [override] notes are expected (MLX's stubs have them).
    errors = [
        line for line in res.stdout.splitlines()
        if ": error:" in line and "[override]" not in line
    ]
    assert not errors, res.stdout
    assert "error" not in res.stderr.lower(), res.stderr
