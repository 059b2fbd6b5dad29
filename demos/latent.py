"""Walks and arithmetic in a trained generator's latent space (Radford et al. 2016, section 6).

    python demos/latent.py                                       # the shipped fashion-dcgan generator
    python demos/latent.py --checkpoint runs/fashion_dcgan/seed0/checkpoint.npz --out runs/latent

interpolation.png: each row walks from one z to another along the great circle (slerp: z ~ N(0, I)
lives near a sphere of radius sqrt(100), and the straight line between two points cuts through
the low-norm middle, where G was never trained). Smooth rows mean G has learnt a continuous map.

Two pieces of vector arithmetic on averaged codes. Codes are labelled by minigan's classifier
on their images (G's own samples have no labels), and averages are taken over many codes so
that what the individual codes have in their own directions cancels out:
  class_translation.png   z + (mean z of class B - mean z of class A) for codes classified A:
                          top row the originals, bottom row moved; arithmetic.json says what
                          share of the moved images the classifier now calls B.
  brightness.png          v = mean z of the brightest third of class C's codes - mean z of its
                          darkest third; rows add t * v (t = -1.5 ... 1.5) to codes of every
                          class; arithmetic.json gives the mean pixel value at each t.
"""
import argparse
import json
import sys
from pathlib import Path

import minigan.blas

minigan.blas.configure()        # before NumPy loads (minigan/blas.py)

import numpy as np

from minigan.cli import command_line, positive_int
from minigan.data.fashion_mnist import CLASSES
from minigan.gan.sampling import generate
from minigan.models.classifier import predict_proba
from minigan.plots.images import save_image_grid
from minigan.pretrained import load_pretrained
from minigan.sample import Z_DIM, load_generator


def slerp(a, b, t):
    """Points along the great circle from a to b (same norms: along the arc), t in [0, 1]."""
    omega = np.arccos(np.clip(np.dot(a / np.linalg.norm(a), b / np.linalg.norm(b)), -1, 1))
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def class_index(text):
    """argparse type: a Fashion-MNIST class, 0-9."""
    value = int(text)
    if not 0 <= value < len(CLASSES):
        raise argparse.ArgumentTypeError(f"must be a class index 0-{len(CLASSES) - 1}, got {value}")
    return value


@command_line
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", type=Path, default=None, help="a fashion_dcgan run's checkpoint.npz "
                   "(default: the shipped fashion-dcgan generator)")
    p.add_argument("--out", type=Path, default=Path("runs/latent"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--codes", type=positive_int, default=4000, help="codes drawn and classified for the averages")
    p.add_argument("--from-class", type=class_index, default=0, help=f"A (default 0, {CLASSES[0]})")
    p.add_argument("--to-class", type=class_index, default=6, help=f"B (default 6, {CLASSES[6]})")
    p.add_argument("--bright-class", type=class_index, default=2, help=f"C (default 2, {CLASSES[2]})")
    args = p.parse_args(argv)
    try:
        G = load_generator("fashion-dcgan", args.checkpoint)
    except FileNotFoundError as err:
        p.error(str(err))
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)

    ends = rng.standard_normal((2, 8, Z_DIM)).astype(np.float32)
    path = np.stack([slerp(a, b, t) for a, b in zip(*ends) for t in np.linspace(0, 1, 10)]).astype(np.float32)
    save_image_grid(generate(G, path), args.out / "interpolation.png", ncols=10, title="slerp between two codes")

    z = rng.standard_normal((args.codes, Z_DIM)).astype(np.float32)
    images = generate(G, z)
    labels = predict_proba(load_pretrained("fashion-classifier"), images[:, None]).argmax(axis=1)
    counts = np.bincount(labels, minlength=10)
    A, B, C = args.from_class, args.to_class, args.bright_class
    if min(counts[A], counts[B], counts[C]) < 9:
        p.error(f"too few codes classified as the chosen classes ({counts.tolist()}); raise --codes")
    mean = {k: z[labels == k].mean(axis=0) for k in (A, B)}
    originals = z[labels == A][:10]
    moved = originals + (mean[B] - mean[A])
    moved_labels = predict_proba(load_pretrained("fashion-classifier"), generate(G, moved)[:, None]).argmax(axis=1)
    all_moved = z[labels == A] + (mean[B] - mean[A])
    share = float((predict_proba(load_pretrained("fashion-classifier"), generate(G, all_moved)[:, None])
                   .argmax(axis=1) == B).mean())
    save_image_grid(generate(G, np.concatenate([originals, moved])), args.out / "class_translation.png", ncols=10,
                    row_labels=[CLASSES[A], f"+ mean {CLASSES[B]} - mean {CLASSES[A]}"],
                    title=f"{100 * share:.0f}% of moved codes are classified {CLASSES[B]}")

    brightness = images.mean(axis=(1, 2))
    in_c = np.flatnonzero(labels == C)
    ordered = in_c[np.argsort(brightness[in_c])]
    third = len(ordered) // 3
    v = z[ordered[-third:]].mean(axis=0) - z[ordered[:third]].mean(axis=0)
    steps = np.linspace(-1.5, 1.5, 7)
    base = z[[np.flatnonzero(labels == k)[0] for k in range(10) if counts[k]]]
    rows = np.stack([base + t * v for t in steps]).astype(np.float32)              # (7, classes, Z_DIM)
    shifted = generate(G, rows.reshape(-1, Z_DIM))
    save_image_grid(shifted, args.out / "brightness.png", ncols=len(base),
                    row_labels=[f"t = {t:+.1f}" for t in steps], title=f"z + t (bright - dark {CLASSES[C]})")
    record = {"class_translation": {"from": CLASSES[A], "to": CLASSES[B], "codes_moved": int(counts[A]),
                                    "share_classified_as_to": share,
                                    "first_ten_now": [CLASSES[k] for k in moved_labels]},
              "brightness": {"class": CLASSES[C], "t": steps.tolist(),
                             "mean_pixel": [float(m) for m in shifted.reshape(len(steps), -1).mean(axis=1)]},
              "classified_codes": dict(zip(CLASSES, counts.tolist()))}
    (args.out / "arithmetic.json").write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record["class_translation"]["share_classified_as_to"]))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
