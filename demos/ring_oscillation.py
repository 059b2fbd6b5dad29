"""Non-convergence in a real GAN: on the ring of 8 Gaussians G's samples hop from mode to mode while the losses and D's outputs oscillate; G's weight average watches.

    python demos/ring_oscillation.py                     # 3,000 steps at a constant lr of 1e-3
    python demos/ring_oscillation.py --average 0.99 --steps 2000
    python demos/ring_oscillation.py --replay 50            # D also sees fakes of the last 50 batches

The networks and recipe of toy_2d.py (plain GAN, non-saturating loss, Adam 1e-3, betas 0.5/0.999,
batch 128, 8-D noise, MLPs of 3 x 128), but the learning rate never decays: the game is left to
circle, as gradient steps circle min_x max_y x y (demos/bilinear_game.py). D learns that the
mode G sits on is fake; G, pushed away, lands on another mode, which D has forgotten; and again.

Every --every steps the demo takes 1,000 samples of G, and of its exponential weight average
(--average, minigan.gan.averaging), from fixed noise and records the share nearest each mode.
Its "hop rate" is the mean total variation distance between consecutive share vectors: 0 when
the shares stand still, 1 when all the mass moves to other modes (minigan.metrics.shares).

Writes to --out: oscillation.png (losses, D's outputs, G's and the average's mode shares over
steps), metrics.json (the shares over training, hop rates, mode metrics of G and of the average
at the end), history.json, run.json. The run keeps no checkpoint (--resume is refused).
"""
import time

import minigan.blas

# Toy-sized matrices: a second BLAS thread only spins. Before NumPy loads; the environment wins.
minigan.blas.configure(threads=1)

import numpy as np

from minigan.cli import decay, demo_parser, fraction, parse_demo_args, positive_int, status
from minigan.data.toy import get_toy
from minigan.gan import GANTrainer
from minigan.gan.presets import recipe
from minigan.jsonio import write_json
from minigan.metrics.modes import NUM_SAMPLES, mode_metrics, nearest_mode
from minigan.metrics.shares import share_dynamics
from minigan.models import generate, toy_discriminator, toy_generator
from minigan.plots import new_figure, save_figure
from minigan.plots.lessons import plot_oscillation

SHARE_SAMPLES = 1000


def mode_shares(samples, modes):
    """Fraction of ``samples`` (N, 2) whose nearest centre is each of ``modes`` (K, 2): (K,)."""
    index, _ = nearest_mode(samples.astype(np.float64), modes)
    return np.bincount(index, minlength=len(modes)) / len(samples)


def main(argv=None):
    parser = demo_parser(__doc__, steps=3000, out="runs/ring_oscillation/seed{seed}")
    parser.add_argument("--every", type=positive_int, default=25, help="steps between share measurements (default 25)")
    parser.add_argument("--average", type=decay, default=0.999, metavar="DECAY",
                        help="decay of G's weight average (default 0.999)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate, G and D, constant (default 1e-3)")
    parser.add_argument("--batch-size", type=positive_int, default=128)
    parser.add_argument("--z-dim", type=positive_int, default=8)
    parser.add_argument("--hidden", type=positive_int, default=128, help="units per hidden layer (G and D)")
    parser.add_argument("--depth", type=positive_int, default=3, help="hidden layers (G and D)")
    parser.add_argument("--replay", type=int, default=0, metavar="BATCHES",
                        help="experience replay: part of D's fake batch drawn from the fakes of the last BATCHES "
                             "batches (default 0: off)")
    parser.add_argument("--replay-fraction", type=fraction, default=0.5,
                        help="with --replay: the share of D's fake batch drawn from the store (default 0.5)")
    args = parse_demo_args(parser, argv)
    if args.resume or args.trace:
        parser.error("this demo keeps no checkpoint and traces nothing: run it again without --resume/--trace")
    if args.replay < 0:
        parser.error(f"--replay must be >= 0 batches, got {args.replay}")
    if not 0 < args.average < 1:
        parser.error(f"--average must lie strictly between 0 and 1, got {args.average}")
    start = time.perf_counter()
    toy = get_toy("ring")
    rng = np.random.default_rng(args.seed)
    G = toy_generator(args.z_dim, 2, args.hidden, args.depth, rng=rng).to(args.device)
    D = toy_discriminator(2, args.hidden, args.depth, rng=rng).to(args.device)
    config, *optimizers = recipe("non-saturating", G, D, lr_g=args.lr, lr_d=args.lr, beta1=0.5,
                                 batch_size=args.batch_size, z_dim=args.z_dim, seed=args.seed,
                                 g_average=args.average, accel=args.accel,
                                 replay_size=args.replay * args.batch_size, replay_fraction=args.replay_fraction)
    trainer = GANTrainer(G, D, *optimizers, toy, config)
    z = np.random.default_rng([args.seed, 3]).standard_normal((SHARE_SAMPLES, args.z_dim))
    steps, g_shares, average_shares = [], [], []

    def measure(trainer, record):
        if trainer.step % args.every == 0:
            steps.append(trainer.step)
            g_shares.append(mode_shares(generate(trainer.G, z), toy.modes))
            average_shares.append(mode_shares(generate(trainer.sampler, z), toy.modes))

    trainer.fit(args.steps, callback=measure, progress=not args.no_progress)
    names = [f"mode {k}" for k in range(len(toy.modes))]
    fig, axes = new_figure(11, 10, nrows=4)
    for ax in axes[1:]:
        ax.sharex(axes[0])
    plot_oscillation(axes, trainer.history, steps, g_shares, average_shares, names)
    fig.suptitle(f"ring, plain GAN at a constant lr {args.lr}: G hops between modes")
    save_figure(fig, args.out / "oscillation.png")

    final_z = np.random.default_rng([args.seed, 4]).standard_normal((NUM_SAMPLES, args.z_dim))
    reports = {name: mode_metrics(generate(net, final_z), toy.modes, toy.std).to_dict()
               for name, net in (("G", trainer.G), ("average", trainer.sampler))}
    dynamics = {"G": share_dynamics(g_shares), "average": share_dynamics(average_shares)}
    metrics = {
        "seed": args.seed, "steps": args.steps, "every": args.every, "average": args.average, "lr": args.lr,
        "replay": args.replay, "replay_fraction": args.replay_fraction,
        "hop_rate": {k: d["hop_rate"] for k, d in dynamics.items()},
        "dominant_mode_changes": {k: d["dominant_changes"] for k, d in dynamics.items()},
        "largest_share_mean": {k: d["largest_share"] for k, d in dynamics.items()},
        "modes": reports, "d_fake_std": float(np.std(trainer.history["d_fake"])),
        "shares_over_training": {"step": steps, "G": np.asarray(g_shares).tolist(),
                                 "average": np.asarray(average_shares).tolist()},
        "wall_seconds": time.perf_counter() - start,
    }
    trainer.history.save_json(args.out / "history.json")
    write_json(args.out / "metrics.json", metrics)
    write_json(args.out / "run.json", {"command": args.command, "args": {k: str(v) for k, v in vars(args).items()}})
    status(f"hop rate per {args.every} steps: G {metrics['hop_rate']['G']:.3f}, average "
           f"{metrics['hop_rate']['average']:.3f}; at the end G {reports['G']['modes_captured']}/8 modes, "
           f"{100 * reports['G']['high_quality_fraction']:.1f}% high quality, the average "
           f"{reports['average']['modes_captured']}/8, {100 * reports['average']['high_quality_fraction']:.1f}%",
           not args.no_progress)
    status(f"wrote {args.out} in {metrics['wall_seconds']:.0f} s", not args.no_progress)
    return metrics


if __name__ == "__main__":
    main()
