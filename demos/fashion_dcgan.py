"""DCGAN on Fashion-MNIST: the recipe of Radford et al. (2016) and PyTorch's DCGAN example.

    python demos/fashion_dcgan.py --epochs 10 --seed 0            # runs/fashion_dcgan/seed0
    python demos/fashion_dcgan.py --resume --out runs/fashion_dcgan/seed0 --epochs 12
    python demos/fashion_dcgan.py --trace --out runs/trace_dcgan  # one traced iteration
    python demos/fashion_dcgan.py --loss wgan-gp --epochs 2        # critic with layer norm, 5 critic steps
    python demos/fashion_dcgan.py --z-dim 1 --batch-size 64 --epochs 4 --limit-batches 200 --share-every 25 \
        --score-every 0 --samples 5000      # 1-D noise: the classes of G's images cycle (docs/results/lessons.md)

Networks exactly as minigan.models.dcgan (weights N(0, 0.02)); Adam(lr 2e-4, betas 0.5/0.999),
batch 128, non-saturating loss. An epoch is one pass over the 60,000 images: with 5 critic
steps per G step (wgan, wgan-gp) it holds 93 G steps. The run directory gets a grid per epoch, a GIF, curves,
history, a checkpoint per epoch, samples.npy (10,000 images) and metrics.json (Frechet
distance and classifier score from minigan's classifier; see docs/fashion_results.md).
"""
import sys

import minigan.blas

minigan.blas.configure()        # before NumPy loads (minigan/blas.py)

import numpy as np

from minigan.cli import command_line
from minigan.cli import positive_int
from minigan.image_demo import MINIBATCH, image_demo_parser, parse_image_demo_args, run_image_demo
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator


@command_line
def main(argv=None):
    parser = image_demo_parser(__doc__, out="runs/fashion_dcgan/seed{seed}")
    parser.add_argument("--install", action="store_true",
                        help="also write the network that drew the samples (G, or with --average its weight average) "
                             "to minigan/pretrained/fashion_dcgan.npz (+ .json)")
    parser.add_argument("--z-dim", type=positive_int, default=100, help="size of G's noise (default 100)")
    args = parse_image_demo_args(parser, argv)
    if args.install and args.z_dim != 100:
        parser.error("--install ships a generator of 100-D noise; leave --z-dim at 100")
    rng = np.random.default_rng(args.seed)
    # A gradient penalty (--loss wgan-gp or r1) needs a critic that judges each image alone.
    G, D = dcgan_generator(z_dim=args.z_dim, rng=rng), dcgan_discriminator(rng=rng, norm="layer" if args.penalty else "batch",
                                                                 minibatch=MINIBATCH if args.minibatch else None)
    return run_image_demo(args, G, D, z_dim=args.z_dim, install="fashion-dcgan" if args.install else None)


if __name__ == "__main__":
    sys.exit(main())
