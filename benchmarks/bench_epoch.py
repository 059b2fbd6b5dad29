"""Time one full Fashion-MNIST epoch of the DCGAN recipe in minigan and in PyTorch, data included.

    python benchmarks/bench_epoch.py --threads 2              # one epoch each, minigan first
    python benchmarks/bench_epoch.py --threads 2 --repeats 2  # minigan, torch, torch, minigan

Each epoch runs in a fresh process, one at a time, through the scripts people run:
``demos/fashion_dcgan.py --epochs 1 --no-score`` and ``benchmarks/train_torch_dcgan.py
--epochs 1`` (469 steps of batch 128, shuffled each epoch, the last short batch dropped).
Reported per run: the epoch's training seconds as each script logs them (the step loop with
its batch sampling), and the whole process's wall time (imports, reading and decoding the
four IDX files, the epoch, and the few samples each writes at the end). Both read the data
with minigan's loader, so loading costs the same. The ratio minigan / PyTorch is printed last,
for the epoch and for the process. Thread counts are set for both through the environment
(OPENBLAS/OMP/MKL/MINIGAN_THREADS), and OpenBLAS's idle threads sleep at once
(OPENBLAS_THREAD_TIMEOUT=4, see minigan/blas.py) unless --blas-timeout says otherwise.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from blas_threads import THREAD_VARIABLES  # benchmarks/

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--threads", type=int, default=2, help="threads for both (default 2)")
    p.add_argument("--repeats", type=int, default=1, help="epochs per framework, in ABBA order (default 1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--blas-timeout", type=int, default=None, metavar="N",
                   help="OPENBLAS_THREAD_TIMEOUT for both (default: minigan's, see minigan/blas.py)")
    p.add_argument("--limit-batches", type=int, default=None, help="steps per epoch, for a quick try (default: all)")
    return p.parse_args(argv)


def command(framework, out, args):
    limit = ["--limit-batches", str(args.limit_batches)] if args.limit_batches else []
    if framework == "minigan":
        return [sys.executable, str(ROOT / "demos" / "fashion_dcgan.py"), "--epochs", "1", "--seed", str(args.seed),
                "--no-score", "--samples", "64", "--no-progress", "--out", str(out)] + limit
    return [sys.executable, str(ROOT / "benchmarks" / "train_torch_dcgan.py"), "--epochs", "1",
            "--seed", str(args.seed), "--threads", str(args.threads), "--samples", "64", "--no-score", "--out", str(out)] + limit


def run_epoch(framework, args):
    """(epoch seconds, process seconds) of one fresh process training one epoch."""
    env = dict(os.environ, **{v: str(args.threads) for v in THREAD_VARIABLES})
    if args.blas_timeout is not None:                     # else the demo's (minigan.blas)
        env["OPENBLAS_THREAD_TIMEOUT"] = str(args.blas_timeout)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / framework
        start = time.perf_counter()
        done = subprocess.run(command(framework, out, args), env=env, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"{framework} epoch failed:\n{done.stderr[-2000:]}")
        epoch = json.loads((out / "epochs.json").read_text())[0]["seconds"]
    return epoch, wall


def main(argv=None):
    args = parse_args(argv)
    if args.repeats < 1 or args.threads < 1:
        sys.exit("bench_epoch.py: --repeats and --threads must be at least 1")
    order = ["minigan", "torch", "torch", "minigan"] * ((args.repeats + 1) // 2)
    order = order[:2 * args.repeats]
    results = {"minigan": [], "torch": []}
    for framework in order:
        epoch, wall = run_epoch(framework, args)
        results[framework].append((epoch, wall))
        print(f"{framework:8} epoch {epoch:7.1f} s   process {wall:7.1f} s", file=sys.stderr, flush=True)
    print(f"threads {args.threads}, OPENBLAS_THREAD_TIMEOUT {args.blas_timeout or 'minigan default'}, "
          f"{args.repeats} epoch(s) each")
    print("| framework | epoch s (best) | process s (best) |")
    print("|---|---|---|")
    best = {f: tuple(min(r[i] for r in rs) for i in range(2)) for f, rs in results.items()}
    for framework, (epoch, wall) in best.items():
        print(f"| {framework} | {epoch:.1f} | {wall:.1f} |")
    print(f"ratio minigan/torch: epoch {best['minigan'][0] / best['torch'][0]:.2f}x, "
          f"process {best['minigan'][1] / best['torch'][1]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
