#!/usr/bin/env bash
# Everything a session with a lent GPU should run, in one call (limits add up to 8.5 minutes):
#   bash benchmarks/gpu_check.sh [OUT_DIR]
# 1. the CuPy tests (marker "cuda"): the existing CuPy paths, then again with the fused CUDA
#    kernels on (tests/nn/test_fused.py compares the two bit for bit in either run); they
#    include the captured CUDA-graph step against the eager one (tests/gan/test_graph.py);
# 2. one training iteration timed against PyTorch eager on CUDA, fused kernels off; then on,
#    with both frameworks' CUDA-graph replays beside (--cuda-graph). The first run has no
#    graph, so its eager numbers come back even if a capture fails.
# Reports go to OUT_DIR (default $OUT, which the device tool brings back, else runs/gpu_check).
# Each stage has a time limit, so one that hangs cannot use up the session's device time.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-runs/gpu_check}}"
mkdir -p "$out"
python -c "import cupy; print('cupy', cupy.__version__, cupy.cuda.runtime.getDeviceProperties(0)['name'].decode())" \
    2>&1 | tee "$out/device.txt"
timeout 150 python -m pytest -q -m cuda -rs -p no:cacheprovider tests 2>&1 | tee "$out/tests_fused_off.txt" | tail -5
MINIGAN_CUDA_FUSED=1 timeout 150 python -m pytest -q -m cuda -rs -p no:cacheprovider tests 2>&1 \
    | tee "$out/tests_fused_on.txt" | tail -5
timeout 90 python benchmarks/bench_step.py --device cuda --model all --repeats 50 --no-memory 2>&1 \
    | tee "$out/bench_fused_off.txt" | tail -8
MINIGAN_CUDA_FUSED=1 timeout 120 python benchmarks/bench_step.py --device cuda --model all --repeats 50 --no-memory \
    --cuda-graph 2>&1 | tee "$out/bench_fused_on_graph.txt" | tail -14
