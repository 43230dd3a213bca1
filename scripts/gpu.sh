#!/usr/bin/env bash
# Builds Ember with its CUDA backend on the GPU machine, runs the GPU tests
# and the GPU benchmark beside PyTorch, and writes logs under $OUT. From the
# repository root, through the device tool:
#
#   bash scripts/gpu.sh [all|test|conformance|bench]...   (default: all)
#
# It needs, carried with the call (both ignored by git):
#   .whl/              Python wheels that machine lacks (../shared/GPU.md
#                      lists them; scripts/gpu_wheels.sh downloads them)
#   .gpu/conformance/  MLX's tests and runner, copied from ../shared
# The CUDA libraries come from that machine's PyTorch install (the same
# nvidia-* wheels a user's pip install brings).
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
OUT=${OUT:-/tmp/ember-gpu-out}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
ARCH=${EMBER_CUDA_ARCH:-90a-real}
STEPS=${*:-all}
export NCCL_NVLS_ENABLE=0 PYTHONUNBUFFERED=1
has() { [[ " $STEPS " == *" $1 "* || " $STEPS " == *" all "* ]]; }
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
note() { echo "$*" | tee -a "$SUMMARY"; }

note "card: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader)"
note "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
"$PY" -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site

echo "== build (CUDA architectures $ARCH)"
start=$(date +%s)
if ! "$PY" -m pip install --no-build-isolation --no-deps --no-index --target /tmp/ember \
    -Cbuild-dir=/tmp/bld -Ccmake.define.EMBER_CUDA=ON \
    -Ccmake.define.CMAKE_CUDA_ARCHITECTURES="$ARCH" \
    -Ccmake.define.CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" . > "$OUT/build.log" 2>&1; then
  tail -60 "$OUT/build.log"
  exit 1
fi
note "build: $(( $(date +%s) - start )) s"
export PYTHONPATH=/tmp/ember:/tmp/site
cd /tmp  # away from the source tree
"$PY" -c "import mlx.core as mx; print(mx.default_device(), mx.device_info(mx.gpu))" \
  2>&1 | tee -a "$SUMMARY"

if has test; then
  echo "== pytest with the GPU as the default device"
  start=$(date +%s)
  # The files of the kernels the GPU has so far (GPU_TESTS=all: every file).
  FILES=${GPU_TESTS:-"test_gpu.py test_devices.py test_unary.py test_binary.py
    test_reduce.py test_creation.py test_shape_ops.py test_matmul.py test_random.py
    test_softmax_kernel.py test_fast.py test_broadcasting.py test_eval.py test_memory.py"}
  [ "$FILES" = all ] && FILES=""
  PATHS=$(for f in $FILES; do printf "%s " "$REPO/tests/python/$f"; done)
  timeout 240 "$PY" -m pytest ${PATHS:-"$REPO/tests/python"} -q -p no:cacheprovider --tb=line \
    -o addopts="" --junitxml="$OUT/pytest.xml" > "$OUT/pytest.log" 2>&1
  note "pytest: $(tail -1 "$OUT/pytest.log") ($(( $(date +%s) - start )) s)"
  "$PY" "$REPO/scripts/junit_summary.py" "$OUT/pytest.xml" >> "$SUMMARY"
  rm -f "$OUT/pytest.xml"  # at most 8 files come back
fi

if has conformance; then
  echo "== MLX's tests, GPU then CPU"
  FILES=${CONF_FILES:-"test_array.py test_ops.py test_reduce.py test_blas.py test_random.py
         test_eval.py test_bf16.py test_autograd.py test_vmap.py test_fast.py"}
  for dev in ${CONF_DEVICES:-gpu cpu}; do
    timeout 300 "$PY" "$REPO/.gpu/conformance/run.py" --package mlx --device $dev \
      --files $FILES --log-dir "/tmp/conf-$dev" > "$OUT/conformance-$dev.log" 2>&1
    note "conformance $dev:"
    grep -E "^test_|^all|TOTAL" "$OUT/conformance-$dev.log" | tee -a "$SUMMARY"
    tar czf "$OUT/conformance-logs.tgz" -C /tmp $(cd /tmp && ls -d conf-*)
  done
fi

if has bench; then
  echo "== GPU benchmark beside PyTorch"
  timeout 400 "$PY" "$REPO/bench/run.py" --device gpu --against-backend torch \
    --json "$OUT/bench.json" > "$OUT/bench.log" 2>&1
  tail -20 "$OUT/bench.log" | tee -a "$SUMMARY"
fi
echo "== summary"
cat "$SUMMARY"
