#!/usr/bin/env bash
# Builds Ember with AddressSanitizer and UBSan (-DEMBER_SANITIZE=ON) and runs
# the C++ unit tests and a slice of the Python suite under them. Any report
# fails the run. Needs what scripts/test.sh installs. Set PYTHON to use
# another interpreter, SANITIZE_BUILD for another build folder, and
# SANITIZE_TESTS for other Python test files.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
OUT=${SANITIZE_BUILD:-build/sanitize}
SCRIPTS="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
export PATH="$SCRIPTS:$PATH"

# One build folder for both targets, so ember_core compiles once.
echo "== building with AddressSanitizer and UBSan"
cmake -S . -B "$OUT" -G Ninja -DEMBER_SANITIZE=ON -DEMBER_TESTS=ON -DEMBER_PYTHON=ON \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DPython_EXECUTABLE="$(command -v "$PYTHON")"
cmake --build "$OUT" -j2 --target ember_tests core

# Leaks are not checked: the interpreter itself keeps memory until exit.
# Huge requests must fail as they do without the sanitizer (MemoryError).
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:strict_string_checks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

echo "== C++ tests under the sanitizers"
ctest --test-dir "$OUT" --output-on-failure

echo "== Python tests under the sanitizers"
PKG="$OUT/pkg"
rm -rf "$PKG"
mkdir -p "$PKG"
cp -r python/mlx "$PKG/mlx"
cp "$OUT"/core.*.so "$PKG/mlx/"
# The interpreter is not built with ASan: its runtime must load first, and
# libstdc++ with it, or ASan cannot intercept the first C++ throw.
LIBASAN="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)"
export PYTHONPATH="$PKG${PYTHONPATH:+:$PYTHONPATH}"
LD_PRELOAD="$LIBASAN" "$PYTHON" - "$PKG" <<'EOF'
import os, sys
import mlx.core as mx
where = os.path.realpath(mx.__file__)
if not where.startswith(os.path.realpath(sys.argv[1])):
    sys.exit(f"mlx.core came from {where}, not the sanitizer build: an editable "
             "install shadows PYTHONPATH; run this on a regular install.")
EOF
TESTS=${SANITIZE_TESTS:-"tests/python/test_hostile_input.py tests/python/test_indexing.py
  tests/python/test_advanced_indexing.py tests/python/test_setitem.py
  tests/python/test_io.py tests/python/test_io_fuzz.py tests/python/test_io_targets.py
  tests/python/test_shape_ops.py tests/python/test_reduce.py tests/python/test_scan_sort.py
  tests/python/test_binary.py tests/python/test_linalg.py tests/python/test_conv.py
  tests/python/test_compile.py tests/python/test_eval.py tests/python/test_memory.py"}
# shellcheck disable=SC2086
LD_PRELOAD="$LIBASAN" "$PYTHON" -m pytest -q -p no:cacheprovider $TESTS
