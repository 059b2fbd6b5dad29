"""Score Fashion-MNIST run directories side by side with the same QualityScorer.

    python benchmarks/compare_fashion.py runs/fashion_dcgan/seed0 runs/torch_dcgan/seed0

A run is a directory (its samples.npy) or an .npy file of images (e.g. a run's
samples_last_iterate.npy, G's own images when the run sampled from G's weight average).
Each run's images are scored afresh (so minigan and PyTorch runs meet the same
ruler); seconds per epoch come from its metrics.json or epochs.json. Prints a Markdown table.
"""
import argparse
import json
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


def images_of(run):
    return run if run.suffix == ".npy" else run / "samples.npy"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("runs", nargs="+", type=Path, help="run directories holding samples.npy, or .npy files")
    args = p.parse_args(argv)
    missing = [str(r) for r in args.runs if not images_of(r).is_file()]
    if missing:
        p.error(f"no images at {', '.join(missing)} (a run directory with samples.npy, or an .npy file)")
    scorer = QualityScorer()
    print("| run | epochs | s/epoch (median) | Frechet distance | classifier score | smallest class share |")
    print("|---|---|---|---|---|---|")
    for run in args.runs:
        s = scorer.score(np.load(images_of(run)))
        seconds = seconds_per_epoch(run.parent if run.suffix == ".npy" else run)
        median = f"{np.median(seconds):.0f}" if seconds else "-"
        smallest = min(s["class_histogram"].items(), key=lambda kv: kv[1])
        print(f"| {run} | {len(seconds) or '-'} | {median} | {s['frechet_distance']:.2f} | "
              f"{s['classifier_score']:.2f} | {smallest[0]} {100 * smallest[1]:.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
