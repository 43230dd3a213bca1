#!/usr/bin/env bash
# Builds Ember on a fresh machine and runs every test: the C++ unit tests
# (GoogleTest, through ctest) and the Python suite (pytest). Fails on any
# failure. Set PYTHON to use another interpreter (default: python).
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}

# GoogleTest comes from Debian's libgtest-dev.
have_gtest() {
  [ -d /usr/src/googletest ] || return 1
  compgen -G "/usr/lib/*/libgtest.a" >/dev/null || [ -f /usr/lib/libgtest.a ]
}
if ! have_gtest; then
  echo "== installing libgtest-dev"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y libgtest-dev
fi

echo "== installing build and test dependencies"
# torch (the CPU build pinned here is a local wheel on these machines) is
# the oracle of the nn layer, loss and stft tests; mypy checks the stubs.
"$PYTHON" -m pip install scikit-build-core nanobind scipy-openblas32 numpy \
  pytest hypothesis safetensors ninja cmake torch==2.13.0 mypy

# mlx-lm's model tests: --no-deps, since its dependency on Apple's `mlx`
# would shadow Ember; its tokenizer and generation utilities need the rest.
"$PYTHON" -m pip install --no-deps "mlx-lm==0.32.2"
"$PYTHON" -m pip install transformers jinja2 protobuf pyyaml sentencepiece

# pip puts cmake, ninja and pytest beside the interpreter; use those.
SCRIPTS="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
export PATH="$SCRIPTS:$PATH"

# Where nvcc is (CI has one, but no GPU), the package is built with the
# CUDA backend: it must compile, and without a GPU run everything on the
# CPU. EMBER_CUDA=0 skips it.
CUDA_FLAGS=()
if [ -x /usr/local/cuda/bin/nvcc ] && [ "${EMBER_CUDA:-1}" != "0" ]; then
  echo "== nvcc found: building the CUDA backend too"
  "$PYTHON" -m pip install "nvidia-cublas==13.1.0.3"
  CUDA_FLAGS=(-Ccmake.define.EMBER_CUDA=ON)
fi

echo "== building and installing Ember"
"$PYTHON" -m pip install --no-build-isolation -v "${CUDA_FLAGS[@]}" .

echo "== C++ tests"
cmake -S . -B build/ctest -G Ninja -DEMBER_TESTS=ON -DEMBER_PYTHON=OFF \
  -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE="$(command -v "$PYTHON")"
cmake --build build/ctest -j2
ctest --test-dir build/ctest --output-on-failure

echo "== Python tests"
# From the repository root `import mlx` finds the installed package: the
# sources live in python/mlx, and there is no ./mlx to shadow it.
"$PYTHON" -m pytest tests/python -q
