"""A fully connected GAN on Fashion-MNIST (Goodfellow et al. 2014, with today's defaults).

    python demos/fashion_mlp.py --epochs 10 --seed 0            # runs/fashion_mlp/seed0
    python demos/fashion_mlp.py --resume --out runs/fashion_mlp/seed0 --epochs 20

Networks as minigan.models.mlp: G 100 -> 256 -> 512 -> 1024 -> 784 (LeakyReLU, tanh), D 784 ->
512 -> 256 -> 1 (LeakyReLU), PyTorch's default initialisation; Adam(lr 2e-4, betas 0.5/0.999),
batch 128, non-saturating loss. Same run directory as demos/fashion_dcgan.py.
"""
import sys

import minigan.blas

minigan.blas.configure()        # before NumPy loads (minigan/blas.py)

import numpy as np

from minigan.cli import command_line
from minigan.cli import positive_int
from minigan.image_demo import MINIBATCH, image_demo_parser, parse_image_demo_args, run_image_demo
from minigan.models.mlp import mlp_discriminator, mlp_generator


@command_line
def main(argv=None):
    parser = image_demo_parser(__doc__, out="runs/fashion_mlp/seed{seed}")
    parser.add_argument("--z-dim", type=positive_int, default=100, help="size of G's noise (default 100)")
    args = parse_image_demo_args(parser, argv)
    rng = np.random.default_rng(args.seed)
    D = mlp_discriminator(rng=rng, minibatch=MINIBATCH if args.minibatch else None)
    return run_image_demo(args, mlp_generator(z_dim=args.z_dim, rng=rng), D, z_dim=args.z_dim)


if __name__ == "__main__":
    sys.exit(main())
