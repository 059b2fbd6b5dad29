"""Progressive growing on Fashion-MNIST: 7 x 7, then 14 x 14, then 28 x 28, each new level faded in.

    python demos/fashion_progressive.py --seed 0                 # runs/fashion_progressive/karras/seed0
    python demos/fashion_progressive.py --resume --out runs/fashion_progressive/karras/seed0
    python demos/fashion_progressive.py --images 30000 --out runs/pilot   # a quick look
    python demos/fashion_progressive.py --style dcgan --seed 0   # runs/fashion_progressive/dcgan/seed0

Networks as minigan.models.progressive, in one of two styles:
    karras (default)  PixelNorm in G, minibatch std-dev in D, equalised learning rate everywhere,
                      widths 64/32/16 at 7/14/28 pixels; Adam(lr 1e-3, betas 0/0.99); images
                      split 10/10/15/15/50 % over stable 7, fade-in 14, stable 14, fade-in 28, stable 28
    dcgan             the DCGAN of fashion_dcgan.py grown (batch norm, N(0, 0.02) weights, widths
                      128/64 and the image), minibatch std-dev before D's last layer; Adam(2e-4,
                      betas 0.5/0.999); images split 5/5/10/10/70 %
Both: batch 64, non-saturating loss, --images real images (default 600,000: ten epochs, as the
10-epoch DCGAN saw). Samples come from a moving average of G's weights (decay 0.999).

The run directory gets a grid per phase (grids/), growth.gif, curves, history, a checkpoint at
every phase end and every 500 steps, phases.json (per phase: images, training seconds, losses,
Frechet distance and classifier score of 10,000 samples, upsampled to 28 x 28 before the last
level), samples.npy (10,000 images) and metrics.json. See docs/progressive_results.md.
"""
import argparse
import json
import math
import sys

import minigan.blas

minigan.blas.configure()        # before NumPy loads (minigan/blas.py)

import numpy as np

from minigan.cli import (beta, command_line, decay, demo_parser, non_negative_float, parse_demo_args, positive_int,
                         status, trace_and_exit, write_json)
from minigan.runs import CHECKPOINT


# Each style's recipe; an option given on the command line wins.
STYLE_DEFAULTS = {
    "karras": dict(widths=(64, 32, 16), z_dim=128, lr=1e-3, beta1=0.0, beta2=0.99,
                   schedule=(10, 10, 15, 15, 50)),
    "dcgan": dict(widths=(128, 64, 1), z_dim=100, lr=2e-4, beta1=0.5, beta2=0.999, schedule=(5, 5, 10, 10, 70)),
}


def numbers(kind, count, what):
    """An argparse type: ``count`` positive numbers, comma-separated."""
    def parse(text):
        try:
            values = tuple(kind(v) for v in text.split(","))
        except ValueError:
            values = ()
        if len(values) != count or not all(math.isfinite(v) and v > 0 for v in values):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text}")
        return values
    return parse


widths = numbers(int, 3, "three positive widths (7, 14, 28 pixels)")
shares = numbers(float, 5, "five positive shares (stable 7, fade 14, stable 14, fade 28, stable 28)")


def parser():
    p = demo_parser(__doc__, out="runs/fashion_progressive/{style}/seed{seed}")
    # The recipe is compared once the style has filled in its defaults (main), not as typed.
    p.set_defaults(changeable_on_resume=RECIPE + ("schedule", "checkpoint_every", "samples", "no_score"))
    p.add_argument("--images", type=positive_int, default=600_000,
                   help="real images shown to D over all phases (default 600000 = 10 epochs)")
    p.add_argument("--batch-size", type=positive_int, default=64, help="default 64 (a multiple of 4)")
    recipe = p.add_argument_group("recipe (defaults: karras / dcgan style)")
    recipe.add_argument("--style", default="karras", choices=sorted(STYLE_DEFAULTS),
                        help="karras: PixelNorm, equalised rate (default); dcgan: the DCGAN's networks, grown")
    recipe.add_argument("--widths", type=widths, help="channels at 7,14,28 (64,32,16 / 128,64,1)")
    recipe.add_argument("--z-dim", type=positive_int, help="128 / 100")
    recipe.add_argument("--loss", default="non-saturating", choices=["non-saturating", "least-squares", "hinge"])
    recipe.add_argument("--lr", type=non_negative_float, help="Adam's rate for G and D (1e-3 / 2e-4)")
    recipe.add_argument("--beta1", type=beta, help="Adam beta1 (0 / 0.5)")
    recipe.add_argument("--beta2", type=beta, help="Adam beta2 (0.99 / 0.999)")
    recipe.add_argument("--schedule", type=shares, metavar="S7,F14,S14,F28,S28",
                        help="shares of --images per phase: stable 7, fade 14, stable 14, fade 28, stable 28 "
                             "(10,10,15,15,50 / 5,5,10,10,70; in proportion to their sum)")
    recipe.add_argument("--average", type=decay, default=0.999, help="decay of G's weight average (default 0.999)")
    quick = p.add_argument_group("evaluation and quick runs")
    quick.add_argument("--samples", type=positive_int, default=10000, help="images scored and in samples.npy")
    quick.add_argument("--no-score", action="store_true", help="skip the quality scores (no test set needed)")
    quick.add_argument("--frames", type=positive_int, default=60, help="grids in growth.gif (default 60)")
    quick.add_argument("--checkpoint-every", type=int, default=500, help="steps between checkpoints (default 500)")
    quick.add_argument("--train-size", type=positive_int, default=None, help="use the first N training images")
    quick.add_argument("--data-root", default=None, help="folder with the Fashion-MNIST files")
    return p


@command_line
def main(argv=None):
    from minigan.data.batches import EpochSampler
    from minigan.data.fashion_mnist import load_fashion_mnist, to_tanh_range
    from minigan.gan import GANConfig
    from minigan.runs.progressive_run import ProgressiveRun
    from minigan.metrics.score import QualityScorer
    from minigan.models.progressive import GrowthSchedule, ProgressiveGAN

    p = parser()
    args = parse_demo_args(p, argv, CHECKPOINT)
    for key, value in STYLE_DEFAULTS[args.style].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.batch_size % min(4, args.batch_size):
        p.error(f"--batch-size {args.batch_size} must be a multiple of 4 (the minibatch std-dev groups)")
    try:
        growth = ProgressiveGAN(z_dim=args.z_dim, widths=args.widths, rng=np.random.default_rng(args.seed),
                                style=args.style)
    except ValueError as err:                               # e.g. --style dcgan with a last width other than 1
        p.error(str(err))
    images = to_tanh_range(load_fashion_mnist("train", root=args.data_root).images[:args.train_size])
    if args.batch_size > len(images):
        p.error(f"--batch-size {args.batch_size} is larger than the {len(images)} training images")
    phases = [name for name, _ in GrowthSchedule.DEFAULT_SHARES]
    schedule = GrowthSchedule.from_total(args.images, args.batch_size, shares=list(zip(phases, args.schedule)))
    config = GANConfig(loss=args.loss, batch_size=args.batch_size, z_dim=args.z_dim, seed=args.seed,
                       accel=args.accel)
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
        record = json.loads((args.out / "run.json").read_text())
        recorded = {"style": "karras", **record["args"]}          # runs before the dcgan style had no --style
        mine = {k: str(v) for k, v in vars(args).items() if k in RECIPE}
        changed = [f"--{k.replace('_', '-')} (the run's {recorded.get(k)}, now {v})" for k, v in mine.items()
                   if recorded.get(k) != v]
        if record["schedule"] != schedule.to_list():
            changed.append(f"--schedule (the run's {record['schedule']}, now {schedule.to_list()})")
        if changed:
            p.error(f"--resume with other settings than the first run's: {', '.join(changed)}; repeat its options")
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


RECIPE = ("images", "batch_size", "seed", "style", "widths", "z_dim", "loss", "lr", "beta1", "beta2", "average",
          "train_size", "frames")                 # and the schedule, compared phase by phase


if __name__ == "__main__":
    sys.exit(main())
