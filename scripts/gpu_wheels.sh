#!/usr/bin/env bash
# Downloads into .whl/ (ignored by git) the Python wheels that the GPU
# machine lacks, for its Python 3.12; scripts/gpu.sh installs them there.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
  --platform any -d .whl \
  nanobind scikit-build-core scipy-openblas32 pathspec packaging hypothesis \
  sortedcontainers attrs
