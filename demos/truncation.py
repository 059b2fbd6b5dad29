"""The truncation trick on a trained generator: fidelity against variety, measured.

    python demos/truncation.py                                   # the shipped fashion-cgan
    python demos/truncation.py fashion-dcgan --thresholds inf 2 1 0.5
    python demos/truncation.py fashion-cgan --checkpoint runs/fashion_cgan/seed0/checkpoint.npz

For each threshold t, --n codes have every component drawn from N(0, 1) restricted to [-t, t]
(minigan/gan/truncation.py; t = inf is the plain draw) and the images are scored by minigan's
classifier like every Fashion run: the Frechet distance to the test set (variety and fidelity
together), the classifier score, the smallest class share, and for the conditional generator
the share of each class's images that the classifier calls the class asked for.

Writes to --out (default runs/truncation/NAME): truncation.json, table.md (the same figures as
a Markdown table), tradeoff.png (the figures against t), and for a conditional generator
classes_t{T}.png, one row per class drawn at --grid-threshold with its measured share.
"""
import argparse
import json
import math
import sys
from pathlib import Path

import minigan.blas

minigan.blas.configure()        # before NumPy loads (minigan/blas.py)

import numpy as np

from minigan.cli import command_line
from minigan.data.fashion_mnist import CLASSES
from minigan.gan.sampling import generate, latent_inputs
from minigan.gan.truncation import MIN_THRESHOLD
from minigan.metrics.score import QualityScorer
from minigan.plots.common import new_figure, save_figure
from minigan.plots.images import save_image_grid
from minigan.runs.image_run import class_accuracy
from minigan.sample import GENERATORS, Z_DIM, load_generator


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", nargs="?", default="fashion-cgan", choices=sorted(GENERATORS))
    p.add_argument("--checkpoint", type=Path, default=None, help="a run's checkpoint.npz (default: shipped weights)")
    p.add_argument("--thresholds", type=float, nargs="+", default=[math.inf, 2.0, 1.5, 1.0, 0.5],
                   help="values of t (default: inf 2 1.5 1 0.5)")
    p.add_argument("--n", type=int, default=10000, help="images per threshold (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="seeds the codes; every t starts from the same draw")
    p.add_argument("--grid-threshold", type=float, default=1.5, help="t of the class grid (default 1.5)")
    p.add_argument("--data-root", type=Path, default=None, help="folder with the Fashion-MNIST files")
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    if any(not t >= MIN_THRESHOLD for t in args.thresholds + [args.grid_threshold]):
        p.error(f"thresholds must be at least {MIN_THRESHOLD} (inf: no truncation)")
    if args.n < 10:
        p.error("--n must be at least 10")
    args.out = args.out or Path("runs/truncation") / args.name
    args.parser = p
    return args


def codes(n, seed, threshold, classes):
    """n codes (and labels y = i mod classes for a conditional G), z truncated at threshold (inf: not)."""
    labels = np.arange(n) % classes if classes else None
    t = None if math.isinf(threshold) else threshold
    return latent_inputs(n, Z_DIM, np.random.default_rng(seed), classes, labels, truncation=t), labels


def measure(args, G, scorer, threshold, classes):
    inputs, labels = codes(args.n, args.seed, threshold, classes)
    images = generate(G, inputs)
    score = scorer.score(images)
    row = {"threshold": threshold, "frechet_distance": score["frechet_distance"],
           "classifier_score": score["classifier_score"],
           "smallest_class_share": min(score["class_histogram"].values()),
           "class_histogram": score["class_histogram"]}
    if classes:
        per_class = class_accuracy(scorer.model, images, labels, classes)
        row.update(conditional_accuracy={name: float(a) for name, a in zip(CLASSES, per_class)},
                   mean_conditional_accuracy=float(np.mean(per_class)),
                   min_conditional_accuracy=float(np.min(per_class)))
    return row


def table(rows, classes):
    head = "| t | FD | classifier score | smallest class share |"
    if classes:
        head += " mean / lowest share of the class asked for | " + " | ".join(CLASSES) + " |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        line = (f"| {r['threshold']:g} | {r['frechet_distance']:.2f} | {r['classifier_score']:.2f} "
                f"| {100 * r['smallest_class_share']:.1f}% |")
        if classes:
            line += (f" {100 * r['mean_conditional_accuracy']:.1f}% / {100 * r['min_conditional_accuracy']:.1f}% | "
                     + " | ".join(f"{100 * a:.1f}" for a in r["conditional_accuracy"].values()) + " |")
        lines.append(line)
    return "\n".join(lines) + "\n"


def plot(rows, classes, path, name):
    finite = [r for r in rows if math.isfinite(r["threshold"])]
    plain = [r for r in rows if not math.isfinite(r["threshold"])]
    fig, axes = new_figure(10, 3.4, ncols=3 if classes else 2)
    series = [("frechet_distance", "Frechet distance (lower: closer to real)"),
              ("classifier_score", "classifier score (max 10)")]
    if classes:
        series.append(("min_conditional_accuracy", "share of the class asked for"))
    for ax, (key, label) in zip(np.ravel(axes), series):
        ts = [r["threshold"] for r in finite]
        ax.plot(ts, [r[key] for r in finite], "o-", label="truncated at t")
        if key == "min_conditional_accuracy":
            ax.plot(ts, [r["mean_conditional_accuracy"] for r in finite], "s--", label="mean over classes")
            ax.axhline(0.8, color="grey", lw=0.8, ls=":")
        for r in plain:
            ax.axhline(r[key], color="C3", lw=1, label="no truncation")
        ax.set_xlabel("t")
        ax.set_title(label if key != "min_conditional_accuracy" else "lowest class: " + label, fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle(f"{name}: the truncation trick trades variety for fidelity", fontsize=10)
    return save_figure(fig, path)


def _finite_or_none(value):
    """JSON has no infinity or NaN: a threshold of inf (no truncation), or a failed score, is null."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


@command_line
def main(argv=None):
    args = parse_args(argv)
    classes = GENERATORS[args.name]
    try:
        G = load_generator(args.name, args.checkpoint)
        scorer = QualityScorer(root=args.data_root)
    except FileNotFoundError as err:
        args.parser.error(str(err))
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for t in args.thresholds:
        rows.append(measure(args, G, scorer, t, classes))
        r = rows[-1]
        extra = (f"  class asked for: mean {100 * r['mean_conditional_accuracy']:.1f}%, "
                 f"lowest {100 * r['min_conditional_accuracy']:.1f}%") if classes else ""
        print(f"t = {t:g}: FD {r['frechet_distance']:.2f}  score {r['classifier_score']:.2f}{extra}", flush=True)
    (args.out / "truncation.json").write_text(json.dumps(
        {"generator": args.name, "checkpoint": str(args.checkpoint) if args.checkpoint else None,
         "n": args.n, "seed": args.seed,       # threshold null: no truncation (JSON has no infinity)
         "rows": [{k: _finite_or_none(v) for k, v in r.items()} for r in rows]}, indent=2) + "\n")
    (args.out / "table.md").write_text(table(rows, classes))
    plot(rows, classes, args.out / "tradeoff.png", args.name)
    if classes:
        inputs, labels = codes(10 * classes, args.seed, args.grid_threshold, classes)
        order = np.argsort(labels, kind="stable")               # rows of one class each
        grid_row = next((r for r in rows if r["threshold"] == args.grid_threshold), None)
        grid_row = grid_row or measure(args, G, scorer, args.grid_threshold, classes)
        names = [f"{c}  {100 * a:.0f}%" for c, a in grid_row["conditional_accuracy"].items()]
        save_image_grid(generate(G, inputs[order]), args.out / f"classes_t{args.grid_threshold:g}.png", 10,
                        row_labels=names, title=f"one row per class, z truncated at t = {args.grid_threshold:g}\n"
                                                f"% of {args.n // classes} of the class the classifier agrees with")
    print(f"wrote {args.out}/truncation.json, table.md, tradeoff.png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
