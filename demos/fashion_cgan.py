"""A conditional DCGAN on Fashion-MNIST: ask for a class, get that class.

    python demos/fashion_cgan.py --epochs 10 --seed 0            # runs/fashion_cgan/seed0

G reads concat(z, onehot(y)); D reads the image with ten label planes stacked as channels
(minigan.models.conditional); otherwise the DCGAN recipe of demos/fashion_dcgan.py. Fake labels
are uniform, real labels come with the images. Besides the usual run directory, classes.png
has one row per class, labelled with the share of that class's samples (1,000 of each in
samples.npy) that minigan's classifier assigns to it; the target is >= 80%. metrics.json
holds the ten shares as conditional_accuracy.
"""
import sys

import minigan.blas

minigan.blas.configure()        # before NumPy loads (minigan/blas.py)

import numpy as np

from minigan.cli import command_line
from minigan.image_demo import image_demo_parser, parse_image_demo_args, run_image_demo
from minigan.models.conditional import conditional_discriminator, conditional_generator


@command_line
def main(argv=None):
    parser = image_demo_parser(__doc__, out="runs/fashion_cgan/seed{seed}")
    parser.add_argument("--install", action="store_true",
                        help="also write the network that drew the samples (G, or with --average its weight average) "
                             "to minigan/pretrained/fashion_cgan.npz (+ .json)")
    args = parse_image_demo_args(parser, argv)
    rng = np.random.default_rng(args.seed)
    G, D = conditional_generator(z_dim=100, num_classes=10, rng=rng), conditional_discriminator(10, rng=rng)
    return run_image_demo(args, G, D, conditional=True, install="fashion-cgan" if args.install else None)


if __name__ == "__main__":
    sys.exit(main())
