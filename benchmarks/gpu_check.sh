#!/usr/bin/env bash
# The GPU check, in one call that ends within 5 minutes by its own limits:
#   bash benchmarks/gpu_check.sh [OUT_DIR]
# 1. device:      CuPy's version and the GPU's name                          (limit  20 s)
# 2. tests:       the CuPy tests (marker "cuda"), fused kernels off          (limit 100 s)
# 3. tests_fused: the same with the fused CUDA kernels on (MINIGAN_CUDA_FUSED=1; tests/accel/
#                 test_fused.py compares them with the unfused twins bit for bit)  (limit 80 s)
# 4. bench:       one training iteration, minigan.accel against PyTorch eager on CUDA,
#                 both models, fused kernels on                              (limit  90 s)
# Every stage runs whatever the one before did; each writes OUT_DIR/<stage>.txt, and
# OUT_DIR/summary.txt gets one line per stage: its name, "pass", "FAIL (exit N)", "TIMEOUT"
# or "NOTHING RAN" (every test skipped), and its seconds. Reports go to OUT_DIR (default $OUT, else runs/gpu_check).
set -u
cd "$(dirname "$0")/.."
out="${1:-${OUT:-runs/gpu_check}}"
mkdir -p "$out"
export CI=1 PYTHONUNBUFFERED=1 MPLBACKEND=Agg       # CI=1: the small hypothesis profile (tests/conftest.py)
summary="$out/summary.txt"
: > "$summary"

stage() {   # stage NAME LIMIT_SECONDS COMMAND...
    local name=$1 limit=$2 start status verdict
    shift 2
    start=$(date +%s)
    timeout "$limit" "$@" > "$out/$name.txt" 2>&1
    status=$?
    if [ "$status" -eq 0 ] && grep -q "skipped" "$out/$name.txt" && ! grep -q " passed" "$out/$name.txt"; then
        verdict="NOTHING RAN"                         # pytest skipped every test: no usable GPU
    elif [ "$status" -eq 0 ]; then verdict=pass
    elif [ "$status" -eq 124 ]; then verdict=TIMEOUT
    else verdict="FAIL (exit $status)"; fi
    printf '%-12s %-16s %4d s\n' "$name" "$verdict" "$(( $(date +%s) - start ))" | tee -a "$summary"
    tail -4 "$out/$name.txt" | sed 's/^/    /'
}

stage device 20 python3 -c "import cupy; print('cupy', cupy.__version__, \
cupy.cuda.runtime.getDeviceProperties(0)['name'].decode())"
stage tests 100 python3 -m pytest -q -x -m cuda -rs -p no:cacheprovider tests
MINIGAN_CUDA_FUSED=1 stage tests_fused 80 python3 -m pytest -q -x -m cuda -rs -p no:cacheprovider tests/accel
MINIGAN_CUDA_FUSED=1 stage bench 90 python3 benchmarks/bench_step.py --device cuda --model all --repeats 30 \
    --warmup 3 --no-memory
echo "summary: $summary"
