"""Score Fashion-MNIST run directories side by side with the same QualityScorer.

    python benchmarks/compare_fashion.py runs/fashion_dcgan/seed0 runs/torch_dcgan/seed0
    python benchmarks/compare_fashion.py --group minigan runs/fashion_dcgan/seed{0,1,2} \
                                         --group torch runs/torch_dcgan/seed{0,1,2}

A run is a directory (its samples.npy) or an .npy file of images (e.g. a run's
samples_last_iterate.npy, G's own images when the run sampled from G's weight average).
Each run's images are scored afresh (so minigan and PyTorch runs meet the same
ruler); seconds per epoch come from its metrics.json or epochs.json. Prints a Markdown table;
with two groups, then the difference of their mean Frechet distances, Welch's t and the
permutation p-value (over every way of splitting the runs into groups of those sizes).
"""
import argparse
import itertools
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from minigan.metrics.score import QualityScorer  # noqa: E402


def seconds_per_epoch(run):
    for name in ("epochs.json", "metrics.json"):
        path = run / name
        if path.exists():
            data = json.loads(path.read_text())
            values = [e["seconds"] for e in data] if isinstance(data, list) else data.get("seconds_per_epoch", [])
            if values:
                return values
    return []


EXACT_SPLITS = 200_000        # up to this many splits the permutation p-value counts them all


def compare_groups(a, b, exact_limit=EXACT_SPLITS, rng=None):
    """Mean of a minus mean of b, Welch's t, and the two-sided permutation p-value: the share of
    the splits of a + b into groups of len(a) and len(b) whose difference of means is at least
    as far from 0 as the observed one (runs are not paired; seeds share nothing). Every split
    when there are at most ``exact_limit`` of them, else that many drawn at random."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    difference = a.mean() - b.mean()
    spread = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    t = difference / spread if spread > 0 else (0.0 if difference == 0 else math.copysign(math.inf, difference))
    pooled, total = np.concatenate([a, b]), a.sum() + b.sum()
    if math.comb(len(pooled), len(a)) <= exact_limit:
        sums = np.array([pooled[list(i)].sum() for i in itertools.combinations(range(len(pooled)), len(a))])
    else:
        rng = np.random.default_rng(0) if rng is None else rng
        sums = np.array([rng.permutation(pooled)[:len(a)].sum() for _ in range(exact_limit)])
    differences = sums / len(a) - (total - sums) / len(b)
    p_value = float(np.mean(np.abs(differences) >= abs(difference) - 1e-12))
    return difference, t, p_value


def images_of(run):
    return run if run.suffix == ".npy" else run / "samples.npy"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("runs", nargs="*", type=Path, help="run directories holding samples.npy, or .npy files")
    p.add_argument("--group", nargs="+", action="append", default=[], metavar=("NAME", "RUN"),
                   help="a named group of runs (e.g. the seeds of one recipe): its rows, then its mean and "
                        "standard deviation; repeat for each group")
    args = p.parse_args(argv)
    groups = [(None, args.runs)] if args.runs else []
    for name, *runs in args.group:
        if not runs:
            p.error(f"--group {name} names no runs")
        groups.append((name, [Path(r) for r in runs]))
    if not groups:
        p.error("give run directories, or --group NAME RUN [RUN ...]")
    missing = [str(r) for _, runs in groups for r in runs if not images_of(r).is_file()]
    if missing:
        p.error(f"no images at {', '.join(missing)} (a run directory with samples.npy, or an .npy file)")
    scorer = QualityScorer()
    distances = []
    print("| run | epochs | s/epoch (median) | Frechet distance | classifier score | smallest class share |")
    print("|---|---|---|---|---|---|")
    for name, runs in groups:
        scores = []
        for run in runs:
            s = scorer.score(np.load(images_of(run)))
            scores.append((s["frechet_distance"], s["classifier_score"]))
            seconds = seconds_per_epoch(run.parent if run.suffix == ".npy" else run)
            median = f"{np.median(seconds):.0f}" if seconds else "-"
            smallest = min(s["class_histogram"].items(), key=lambda kv: kv[1])
            label = f"{name}: {run}" if name else str(run)
            print(f"| {label} | {len(seconds) or '-'} | {median} | {s['frechet_distance']:.2f} | "
                  f"{s['classifier_score']:.2f} | {smallest[0]} {100 * smallest[1]:.1f}% |")
        distances.append([fd for fd, _ in scores])
        if name:
            fd, cs = np.array(scores).T
            print(f"| **{name}: mean ± std of {len(runs)}** | | | **{fd.mean():.2f} ± {fd.std(ddof=1) if len(runs) > 1 else 0:.2f}** | "
                  f"**{cs.mean():.2f} ± {cs.std(ddof=1) if len(runs) > 1 else 0:.2f}** | |")
    if len(groups) == 2 and min(len(d) for d in distances) >= 2:
        difference, t, p_value = compare_groups(*distances)
        splits = math.comb(sum(map(len, distances)), len(distances[0]))
        how = "exact over" if splits <= EXACT_SPLITS else "sampled from"
        print(f"\nFrechet distance, {groups[0][0] or 'first'} - {groups[1][0] or 'second'}: {difference:+.2f} "
              f"(Welch t {t:.2f}; permutation p = {p_value:.3f}, {how} {splits} splits)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
