"""``python -m minigan sample NAME``: draw images from a shipped generator.

    python -m minigan sample fashion-dcgan --n 64 --out grid.png       # a grid picture
    python -m minigan sample fashion-dcgan --n 1000 --out samples.npy  # float32 (n, 28, 28) in [-1, 1]
    python -m minigan sample fashion-cgan --label 7 --out sneakers.png # one class (Sneaker)
    python -m minigan sample fashion-cgan --truncation 1.5 --out t.png # more typical, less varied

Noise z ~ N(0, I) comes from ``--seed``; G runs in eval mode (batch norm's running statistics),
so an image depends on its z alone. ``--truncation T`` draws each component of z from N(0, 1)
restricted to [-T, T] (the truncation trick, minigan/gan/truncation.py). ``--checkpoint``
draws from a run directory's checkpoint.npz instead of the shipped weights.
"""
import argparse
from pathlib import Path

import numpy as np

GENERATORS = {"fashion-dcgan": None, "fashion-cgan": 10}     # name -> number of classes (None: unconditional)
Z_DIM = 100


def load_generator(name, checkpoint=None):
    """The shipped generator NAME, or G from a demo's checkpoint.npz (its drawing network), in eval mode."""
    from .pretrained import load_pretrained
    if checkpoint is None:
        return load_pretrained(name)
    from .gan.checkpoint import load_checkpoint, load_model_arrays
    from .models.dcgan import dcgan_generator
    arrays, _ = load_checkpoint(checkpoint)
    classes = GENERATORS[name]
    G = dcgan_generator(z_dim=Z_DIM + (classes or 0))
    if classes:                                 # a LabelledGenerator keeps its generator under "0."
        arrays = {"G/" + k[len("G/0."):]: v for k, v in arrays.items() if k.startswith("G/0.")}
    load_model_arrays(G, arrays, "G", source=str(checkpoint))
    return G.eval()


def draw(name, n, seed=0, label=None, checkpoint=None, G=None, truncation=None):
    """n images float32 (n, 28, 28) in [-1, 1]; a conditional generator draws ``label`` (or all
    classes in turn, y = i mod 10, when label is None); ``truncation``: see truncation.py."""
    from .gan.sampling import generate, latent_inputs
    G = G or load_generator(name, checkpoint)
    classes = GENERATORS[name]
    labels = None
    if classes:
        labels = np.full(n, label) if label is not None else np.arange(n) % classes
    return generate(G, latent_inputs(n, Z_DIM, np.random.default_rng(seed), classes, labels, truncation))


def run_sample(args, parser):
    if args.label is not None and GENERATORS[args.name] is None:
        parser.error(f"--label needs a conditional generator; {args.name} is not")
    if args.label is not None and not 0 <= args.label < GENERATORS[args.name]:
        parser.error(f"--label must be in 0..{GENERATORS[args.name] - 1}")
    if args.out.suffix not in (".png", ".npy"):
        parser.error(f"--out must end in .png (a grid) or .npy (the images), got {args.out}")
    try:
        images = draw(args.name, args.n, args.seed, args.label, args.checkpoint, truncation=args.truncation)
    except FileNotFoundError as err:
        parser.error(str(err))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.suffix == ".npy":
        np.save(args.out, images)
    else:
        from .plots.images import save_image_grid
        save_image_grid(images, args.out, ncols=args.columns or int(np.ceil(np.sqrt(args.n))))
    print(f"wrote {args.out}: {len(images)} images from {args.checkpoint or args.name}")
    return 0


def _positive(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _threshold(text):
    from .gan.truncation import MIN_THRESHOLD
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value >= MIN_THRESHOLD:
        raise argparse.ArgumentTypeError(f"must be a number of at least {MIN_THRESHOLD}, got {text!r}")
    return value


def add_parser(subparsers):
    parser = subparsers.add_parser("sample", help="draw images from a shipped (or trained) generator",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("name", choices=sorted(GENERATORS))
    parser.add_argument("--n", type=_positive, default=64, help="number of images (default %(default)s)")
    parser.add_argument("--out", type=Path, required=True, help="grid .png or images .npy")
    parser.add_argument("--seed", type=int, default=0, help="seeds the noise (default %(default)s)")
    parser.add_argument("--label", type=int, default=None, help="class to draw (conditional generators)")
    parser.add_argument("--truncation", type=_threshold, default=None, metavar="T",
                        help="draw z from N(0, 1) truncated to [-T, T]: more typical, less varied images "
                             "(default: no truncation)")
    parser.add_argument("--columns", type=_positive, default=None, help="grid columns (default: square)")
    parser.add_argument("--checkpoint", type=Path, default=None, help="a run directory's checkpoint.npz")
    parser.set_defaults(run=lambda args: run_sample(args, parser))
    return parser
