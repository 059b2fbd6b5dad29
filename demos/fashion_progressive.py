"""Progressive growing on Fashion-MNIST: 7 x 7, then 14 x 14, then 28 x 28, each new level faded in.

    python demos/fashion_progressive.py --seed 0                 # runs/fashion_progressive/seed0
    python demos/fashion_progressive.py --resume --out runs/fashion_progressive/seed0
    python demos/fashion_progressive.py --images 30000 --out runs/pilot   # a quick look

Networks as minigan.models.progressive (PixelNorm in G, minibatch std-dev in D, equalised
learning rate everywhere, widths 64/32/16 at 7/14/28 pixels); Adam(lr 1e-3, betas 0/0.99),
batch 64, non-saturating loss. The --images real images (default 600,000: ten epochs, as the
10-epoch DCGAN saw) are split 10/10/15/15/50 % over stable 7, fade-in 14, stable 14, fade-in
28, stable 28. Samples come from a moving average of G's weights (decay 0.999).

The run directory gets a grid per phase (grids/), growth.gif, curves, history, a checkpoint at
every phase end and every 500 steps, phases.json (per phase: images, training seconds, losses,
Frechet distance and classifier score of 10,000 samples, upsampled to 28 x 28 before the last
level), samples.npy (10,000 images) and metrics.json. See docs/progressive_results.md.
"""
import argparse
import json
import sys

import minigan  # noqa: F401  (before NumPy: its OpenBLAS setting must come first, minigan/__init__.py)
import numpy as np

from minigan.cli import demo_parser, fraction, non_negative_float, parse_demo_args, positive_int, status, trace_and_exit, write_json
from minigan.gan.image_run import CHECKPOINT


def widths(text):
    values = tuple(int(v) for v in text.split(","))
    if len(values) != 3 or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected three positive widths (7, 14, 28 pixels), got {text}")
    return values


def parser():
    p = demo_parser(__doc__, out="runs/fashion_progressive/seed{seed}")
    p.add_argument("--images", type=positive_int, default=600_000,
                   help="real images shown to D over all phases (default 600000 = 10 epochs)")
    p.add_argument("--batch-size", type=positive_int, default=64, help="default 64 (a multiple of 4)")
    recipe = p.add_argument_group("recipe")
    recipe.add_argument("--widths", type=widths, default=(64, 32, 16), help="channels at 7,14,28 (default 64,32,16)")
    recipe.add_argument("--z-dim", type=positive_int, default=128, help="default 128")
    recipe.add_argument("--loss", default="non-saturating", choices=["non-saturating", "least-squares", "hinge"])
    recipe.add_argument("--lr", type=non_negative_float, default=1e-3, help="Adam's rate for G and D (default 1e-3)")
    recipe.add_argument("--beta1", type=fraction, default=0.0, help="Adam beta1 (default 0)")
    recipe.add_argument("--beta2", type=fraction, default=0.99, help="Adam beta2 (default 0.99)")
    recipe.add_argument("--average", type=fraction, default=0.999, help="decay of G's weight average (default 0.999)")
    quick = p.add_argument_group("evaluation and quick runs")
    quick.add_argument("--samples", type=positive_int, default=10000, help="images scored and in samples.npy")
    quick.add_argument("--no-score", action="store_true", help="skip the quality scores (no test set needed)")
    quick.add_argument("--frames", type=positive_int, default=60, help="grids in growth.gif (default 60)")
    quick.add_argument("--checkpoint-every", type=int, default=500, help="steps between checkpoints (default 500)")
    quick.add_argument("--train-size", type=positive_int, default=None, help="use the first N training images")
    quick.add_argument("--data-root", default=None, help="folder with the Fashion-MNIST files")
    return p


def main(argv=None):
    from minigan.data.batches import EpochSampler
    from minigan.data.fashion_mnist import load_fashion_mnist, to_tanh_range
    from minigan.gan import GANConfig
    from minigan.gan.progressive import ProgressiveRun
    from minigan.metrics.score import QualityScorer
    from minigan.models.progressive import GrowthSchedule, ProgressiveGAN

    p = parser()
    args = parse_demo_args(p, argv, CHECKPOINT)
    if args.batch_size % min(4, args.batch_size):
        p.error(f"--batch-size {args.batch_size} must be a multiple of 4 (the minibatch std-dev groups)")
    images = to_tanh_range(load_fashion_mnist("train", root=args.data_root).images[:args.train_size])
    if args.batch_size > len(images):
        p.error(f"--batch-size {args.batch_size} is larger than the {len(images)} training images")
    growth = ProgressiveGAN(z_dim=args.z_dim, widths=args.widths, rng=np.random.default_rng(args.seed))
    schedule = GrowthSchedule.from_total(args.images, args.batch_size)
    config = GANConfig(loss=args.loss, batch_size=args.batch_size, z_dim=args.z_dim, seed=args.seed)
    scorer = None
    if not (args.no_score or args.trace):
        scorer = QualityScorer(device=args.device, root=args.data_root)
    log = lambda message: status(message)  # noqa: E731
    run = ProgressiveRun(growth, schedule, EpochSampler(images), args.out, config, lr=args.lr,
                         betas=(args.beta1, args.beta2), scorer=scorer, num_samples=args.samples,
                         average=args.average, frames=args.frames, checkpoint_every=args.checkpoint_every,
                         progress=not args.no_progress, log=log)
    if args.device != "cpu":
        run.trainer.G.to(args.device), run.trainer.D.to(args.device)
    if args.trace:
        trace_and_exit(run.trainer, args)
        return 0
    if args.resume:
        recorded = json.loads((args.out / "run.json").read_text())["args"]
        mine = {k: str(v) for k, v in vars(args).items() if k in RECIPE}
        if {k: recorded.get(k) for k in RECIPE} != mine:
            p.error("--resume with other settings than the first run's; repeat its options")
        run.resume()
    else:
        write_json(args.out / "run.json", {"command": args.command, "schedule": schedule.to_list(),
                                           "args": {k: str(v) for k, v in vars(args).items()}})
    run.train()
    metrics = run.finish()
    keys = ("frechet_distance", "classifier_score")
    print(json.dumps({"phases": [{k: e.get(k) for k in ("phase", "seconds") + keys} for e in metrics["phases"]],
                      **{k: metrics[k] for k in keys if k in metrics}}))
    log(f"wrote {args.out}")
    return 0


RECIPE = ("images", "batch_size", "seed", "widths", "z_dim", "loss", "lr", "beta1", "beta2", "average",
          "train_size", "frames")


if __name__ == "__main__":
    sys.exit(main())
