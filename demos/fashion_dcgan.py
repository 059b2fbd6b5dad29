"""DCGAN on Fashion-MNIST: the recipe of Radford et al. (2016) and PyTorch's DCGAN example.

    python demos/fashion_dcgan.py --epochs 10 --seed 0            # runs/fashion_dcgan/seed0
    python demos/fashion_dcgan.py --resume --out runs/fashion_dcgan/seed0 --epochs 12
    python demos/fashion_dcgan.py --trace --out runs/trace_dcgan  # one traced iteration
    python demos/fashion_dcgan.py --loss wgan-gp --epochs 2        # critic with layer norm, 5 critic steps

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
from minigan.image_demo import MINIBATCH, image_demo_parser, parse_image_demo_args, run_image_demo
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator


@command_line
def main(argv=None):
    parser = image_demo_parser(__doc__, out="runs/fashion_dcgan/seed{seed}")
    parser.add_argument("--install", action="store_true",
                        help="also write the network that drew the samples (G, or with --average its weight average) "
                             "to minigan/pretrained/fashion_dcgan.npz (+ .json)")
    args = parse_image_demo_args(parser, argv)
    rng = np.random.default_rng(args.seed)
    # A gradient penalty (--loss wgan-gp or r1) needs a critic that judges each image alone.
    G, D = dcgan_generator(z_dim=100, rng=rng), dcgan_discriminator(rng=rng, norm="layer" if args.penalty else "batch",
                                                                 minibatch=MINIBATCH if args.minibatch else None)
    return run_image_demo(args, G, D, install="fashion-dcgan" if args.install else None)


if __name__ == "__main__":
    sys.exit(main())
