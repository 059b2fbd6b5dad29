"""Run demos/toy_2d.py over several seeds and print the mode metrics of each, and how many seeds
meet a target: the tables of docs/toy_results.md and docs/wgan_results.md come from this.

    python benchmarks/toy_seeds.py --seeds 0 1 2 3 4 -- --dataset ring --trick minibatch
    python benchmarks/toy_seeds.py --seeds 0 1 2 3 4 --jobs 2 -- --dataset grid --loss wgan-gp --average 0.999

Everything after -- goes to toy_2d.py unchanged; each seed runs in its own process (one BLAS
thread each, --jobs at a time) and writes runs/toy_seeds/<name>-seed<s>/ (toy_2d's usual files).
A seed meets the target when it captures at least --modes modes (default: all but one of a grid,
all of a ring) with at least --quality high-quality samples.
"""
import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"ring": (8, 0.9), "grid": (24, 0.8)}


def run_seed(seed, demo_args, out):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, str(ROOT / "demos" / "toy_2d.py"), *demo_args, "--seed", str(seed),
               "--out", str(out), "--overwrite", "--no-progress"]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"seed {seed} failed:\n{result.stderr}")
    return json.loads((out / "metrics.json").read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--jobs", type=int, default=1, help="seeds run at once (default 1)")
    parser.add_argument("--name", default=None, help="run directory prefix (default: from the demo's arguments)")
    parser.add_argument("--modes", type=int, default=None, help="modes a seed must capture")
    parser.add_argument("--quality", type=float, default=None, help="high-quality fraction a seed must reach")
    parser.add_argument("--out", default=None, help="also write the rows as JSON here")
    parser.add_argument("demo_args", nargs=argparse.REMAINDER, help="-- then toy_2d.py's options")
    args = parser.parse_args()
    demo_args = args.demo_args[1:] if args.demo_args[:1] == ["--"] else args.demo_args
    dataset = demo_args[demo_args.index("--dataset") + 1] if "--dataset" in demo_args else "ring"
    need_modes, need_quality = TARGETS.get(dataset, (None, None))
    need_modes = args.modes if args.modes is not None else need_modes
    need_quality = args.quality if args.quality is not None else need_quality
    name = args.name or "_".join(a.lstrip("-") for a in demo_args) or "default"
    outs = {s: ROOT / "runs" / "toy_seeds" / f"{name}-seed{s}" for s in args.seeds}

    with ThreadPoolExecutor(args.jobs) as pool:
        metrics = dict(zip(args.seeds, pool.map(lambda s: run_seed(s, demo_args, outs[s]), args.seeds)))
    print(f"toy_2d.py {' '.join(demo_args)}")
    print(f"{'seed':>4} {'modes':>5} {'>=25 pts':>8} {'high q':>7} {'rev KL':>7} {'wall s':>7}")
    rows, met = [], 0
    for seed, m in metrics.items():
        modes = m["modes"]
        if modes is None:
            raise SystemExit("this dataset has no modes to count (spiral)")
        full = sum(c >= 25 for c in modes["counts"])
        ok = modes["modes_captured"] >= need_modes and modes["high_quality_fraction"] >= need_quality
        met += ok
        rows.append({"seed": seed, **modes, "modes_with_25_points": full, "wall_seconds": m["wall_seconds"],
                     "meets_target": ok})
        kl = "-" if modes["reverse_kl"] is None else f"{modes['reverse_kl']:.3f}"   # None: no high-quality point
        print(f"{seed:>4} {modes['modes_captured']:>5} {full:>8} {100 * modes['high_quality_fraction']:>6.1f}% "
              f"{kl:>7} {m['wall_seconds']:>7.0f}{'' if ok else '  x'}")
    print(f"{met}/{len(rows)} seeds with >= {need_modes} modes and >= {100 * need_quality:.0f}% high quality")
    if args.out:
        Path(args.out).write_text(json.dumps({"demo_args": demo_args, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
