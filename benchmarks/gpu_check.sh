#!/usr/bin/env bash
# Everything a session with a lent GPU should run, in one call (a few minutes on an H100/H200):
#   bash benchmarks/gpu_check.sh [OUT_DIR]
# 1. the CuPy tests (marker "cuda"), with the fused CUDA kernels off and on;
# 2. one training iteration timed against PyTorch eager on CUDA, fused kernels off, then on.
# Reports go to OUT_DIR (default runs/gpu_check). Needs CuPy, a GPU and PyTorch with CUDA.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/gpu_check}"
mkdir -p "$out"
python -c "import cupy; print('cupy', cupy.__version__, cupy.cuda.runtime.getDeviceProperties(0)['name'].decode())" \
    | tee "$out/device.txt"
python -m pytest -q -m cuda -rs tests 2>&1 | tee "$out/tests_fused_off.txt" | tail -5
MINIGAN_CUDA_FUSED=1 python -m pytest -q -m cuda -rs tests 2>&1 | tee "$out/tests_fused_on.txt" | tail -5
python benchmarks/bench_step.py --device cuda --model all --repeats 50 --no-memory 2>&1 | tee "$out/bench_fused_off.txt" | tail -8
MINIGAN_CUDA_FUSED=1 python benchmarks/bench_step.py --device cuda --model all --repeats 50 --no-memory 2>&1 \
    | tee "$out/bench_fused_on.txt" | tail -8
