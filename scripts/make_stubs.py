"""Generates the typed stubs of mlx.core (and its submodules) at build time.

The just-built extension is staged beside a copy of the Python package, so
that `import mlx.core` runs mlx/__init__.py (which adds grad, compile, load
and the other Python-level functions to mlx.core), and nanobind's stubgen
writes OUT/core/*.pyi and OUT/py.typed. The interpreter runs with -S: no
.pth file (such as an editable install's import hook) takes part.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--module", required=True, help="the built core extension")
    parser.add_argument("--package", required=True, help="the mlx package sources")
    parser.add_argument("--out", required=True, help="folder for core/ and py.typed")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as stage:
        pkg = os.path.join(stage, "mlx")
        shutil.copytree(args.package, pkg, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(args.module, pkg)
        out = os.path.abspath(args.out)
        tmp_out = out + ".tmp"
        shutil.rmtree(tmp_out, ignore_errors=True)
        path = [stage] + [p for p in sys.path if p and os.path.isdir(p)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
        cmd = [
            sys.executable, "-S", "-m", "nanobind.stubgen", "-q", "-r",
            "-m", "mlx.core", "-O", tmp_out, "-M", os.path.join(tmp_out, "py.typed"),
        ]
        subprocess.run(cmd, env=env, cwd=stage, check=True)
        # Replace the old stubs in one step, so a failed run leaves them whole.
        shutil.rmtree(out, ignore_errors=True)
        os.replace(tmp_out, out)


if __name__ == "__main__":
    main()
