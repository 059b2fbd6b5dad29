"""Train a GAN on a 2-D toy distribution and watch mode collapse, or its cure, happen.

    python demos/toy_2d.py --dataset ring                      # plain GAN: seed 0 fills 5 modes of 8
    python demos/toy_2d.py --dataset ring --trick minibatch     # mini-batch discrimination: all 8, evenly
    python demos/toy_2d.py --dataset grid --trick noise --noise-std 0.5 --z-dim 2 --hidden 256 \
        --batch-size 512 --average 0.999                        # all 25 modes or 24 in 4 seeds of 5
    python demos/toy_2d.py --dataset grid --loss wgan-gp --average 0.999    # WGAN-GP, samples from G's average

Measured over 5 seeds in docs/results/toy.md.

Tricks (join several with +): none, minibatch (a MinibatchDiscrimination layer in D, 3 kernels
of 2 dims), pack (PacGAN: D judges 4 samples at once, a Pack layer first), replay (part of D's fake
batch, --replay-fraction, drawn from the fakes of the last --replay-batches batches; G's step
never sees them), smoothing (one-sided, real label 0.9), noise (instance noise, std
--noise-std annealed to 0 over the first half), feature-matching.
Both learning rates stay constant for the first half of the run, then fall linearly to 1% of it.
--loss takes a loss (Adam, lr 1e-3, betas 0.5/0.999) or a preset with its own optimizer, critic
steps and penalty: wgan (weight clipping), wgan-gp (gradient penalty), r1 (minigan.gan.presets).
--average 0.999 draws every picture and metric from an exponential moving average of G's weights
(minigan.gan.averaging).

Each frame also shows where G's loss pushes each sample: arrows -dL_G/dx on --arrows of the
samples (one batch goes through D, as in G's step; minigan.metrics.push), scaled together so that
directions and relative sizes show. With --z-dim 2 it draws the warped sheet too: G's image of a
regular grid of noise in [-2.5, 2.5]^2 (dark green lines).

Writes to --out: frames/step_*.png and training.gif (samples over D's heatmap), final.png,
curves.png (losses, D(x) and D(G(z))), samples.npy (2,500 generated points), metrics.json
(mode metrics for ring and grid, and D at each mode's centre), history.json, history.csv, checkpoint.npz, run.json.
"""
import argparse
import time

import minigan.blas

# Toy-sized matrices: a second BLAS thread only spins. Before NumPy loads; the environment wins.
minigan.blas.configure(threads=1)

import numpy as np

from minigan.cli import (CHECKPOINT, add_recipe_options, beta, check_resumed_length, command_line, demo_parser,
                         earlier_records, finish_toy_run, fraction, linear_decay, non_negative_float, parse_demo_args,
                         positive_int, start_run_record, status, trace_and_exit)
from minigan.data.toy import get_toy
from minigan.gan import GANTrainer
from minigan.backend import device_of, to_device, to_numpy
from minigan.gan.presets import PRESETS, recipe
from minigan.metrics.push import sample_push
from minigan.metrics.modes import NUM_SAMPLES, mode_metrics, nearest_mode
from minigan.models import feature_layer, generate, toy_discriminator, toy_generator
from minigan.plots import FrameRecorder, discriminator_probability, frame_steps, grid_points, new_figure, plot_2d_frame

TRICKS = ("none", "minibatch", "pack", "replay", "smoothing", "noise", "feature-matching")
MINIBATCH_KERNELS = (3, 2)          # (num_kernels, kernel_dim)
PACK = 4                            # samples D judges at once (PacGAN4)
SHEET_LINES = 21                    # noise grid lines per axis of the warped sheet (--z-dim 2)


def trick_names(text):
    """argparse type: 'minibatch+smoothing', checked to name known tricks."""
    names = text.split("+")
    unknown = [n for n in names if n not in TRICKS]
    if unknown or (len(names) > 1 and "none" in names):
        raise argparse.ArgumentTypeError(f"{text!r}: expected {' or '.join(TRICKS)}, or several joined by +")
    return text


def config_for(trick, args):
    """GANConfig settings of the chosen tricks (mini-batch discrimination is a layer, see main)."""
    settings = {}
    if "replay" in trick:
        settings.update(replay_size=args.replay_batches * args.batch_size, replay_fraction=args.replay_fraction)
    if "smoothing" in trick:
        settings["label_smoothing"] = 0.1
    if "noise" in trick:
        settings.update(instance_noise=args.noise_std, instance_noise_steps=args.steps // 2)
    return settings


def push_arrows(D, samples, loss, count):
    """(points, push): -dL_G/dx at the first ``count`` of ``samples`` (host arrays), the whole
    batch going through D together, as in G's step."""
    first = next(iter(D.params.values()))
    push = sample_push(D, to_device(samples.astype(first.dtype), device_of(first)), loss)
    return samples[:count], to_numpy(push)[:count].astype(np.float64)


def nearest_distance(points, reference):
    """Median distance from each point to its nearest reference point (data: the noise scale)."""
    return float(np.median(nearest_mode(points.astype(np.float64), reference.astype(np.float64))[1]))


@command_line
def main(argv=None):
    parser = demo_parser(__doc__, steps=10000, out="runs/toy_2d/{dataset}-{trick}-seed{seed}")
    parser.add_argument("--dataset", choices=("ring", "grid", "spiral"), default="ring")
    parser.add_argument("--trick", type=trick_names, default="none", metavar="TRICK[+TRICK]",
                        help=f"one or more of {', '.join(TRICKS)} joined by + (default none)")
    parser.add_argument("--batch-size", type=positive_int, default=128)
    parser.add_argument("--z-dim", type=positive_int, default=8)
    parser.add_argument("--hidden", type=positive_int, default=128, help="units per hidden layer (G and D)")
    parser.add_argument("--depth", type=positive_int, default=3, help="hidden layers (G and D)")
    parser.add_argument("--batch-norm", action="store_true", help="batch norm in G's hidden layers")
    add_recipe_options(parser)
    parser.add_argument("--lr", type=float, default=None,
                        help="learning rate, G and D (default 1e-3; a preset's own with a preset)")
    parser.add_argument("--beta1", type=beta, default=None, help="Adam beta1 (default 0.5; a preset's own)")
    parser.add_argument("--decay-start", type=fraction, default=0.5, help="fraction of the run before lr decay")
    parser.add_argument("--final-lr", type=fraction, default=0.01, help="last lr as a fraction of --lr")
    parser.add_argument("--noise-std", type=non_negative_float, default=0.1,
                        help="--trick noise: the std of the instance noise at the start (default 0.1)")
    parser.add_argument("--replay-batches", type=positive_int, default=50,
                        help="--trick replay: batches of past fakes kept (default 50)")
    parser.add_argument("--replay-fraction", type=fraction, default=0.5,
                        help="--trick replay: share of D's fake batch drawn from them (default 0.5)")
    parser.add_argument("--frames", type=positive_int, default=30)
    parser.add_argument("--arrows", type=int, default=64,
                        help="samples per frame with an arrow of G's push -dL_G/dx (default 64, 0: none)")
    args = parse_demo_args(parser, argv)
    trick = args.trick.split("+")
    if "pack" in trick and args.batch_size % PACK:
        parser.error(f"--trick pack needs a batch size that is a multiple of {PACK}, got {args.batch_size}")
    start = time.perf_counter()

    toy = get_toy(args.dataset)
    rng = np.random.default_rng(args.seed)
    minibatch = MINIBATCH_KERNELS if "minibatch" in trick else None
    G = toy_generator(args.z_dim, 2, args.hidden, args.depth, batch_norm=args.batch_norm, rng=rng).to(args.device)
    D = toy_discriminator(2, args.hidden, args.depth, minibatch=minibatch, pack=PACK if "pack" in trick else 1,
                          rng=rng).to(args.device)
    lr = args.lr if args.lr is not None or args.loss in PRESETS else 1e-3
    try:
        config, *optimizers = recipe(args.loss, G, D, lr_g=lr, lr_d=lr, beta1=args.beta1, batch_size=args.batch_size,
                                     z_dim=args.z_dim, seed=args.seed, d_steps=args.d_steps,
                                     penalty_weight=args.penalty_weight, g_average=args.average, accel=args.accel,
                                     feature_matching=feature_layer(D) if "feature-matching" in trick else None,
                                     **config_for(trick, args))
    except ValueError as err:                           # e.g. label smoothing with a critic
        parser.error(str(err))
    if config.penalty and ("minibatch" in trick or "pack" in trick):
        parser.error(f"--loss {args.loss} penalises each sample's gradient: D must not mix samples "
                     f"(no minibatch or pack trick)")
    trainer = GANTrainer(G, D, *optimizers, toy, config)
    sampler = trainer.sampler                           # G, or G's weight average with --average
    if args.trace:
        return trace_and_exit(trainer, args)
    if args.resume:
        trainer.load(args.out / CHECKPOINT)                 # weights, optimizers, step, randomness
        check_resumed_length(parser, trainer.step, args.steps)
    start_run_record(args)

    # Frames and metrics draw their own noise, so drawing them never changes the training run.
    real = toy.sample(NUM_SAMPLES, np.random.default_rng([args.seed, 1]))
    limit = float(np.ceil(np.abs(real).max() + 0.5))
    bounds, grid = (-limit, limit), grid_points((-limit, limit), 80)
    modes = getattr(toy, "modes", None)
    progress_of_modes = earlier_records(args, "modes_over_training", trainer.step)

    def noise(n, stream):
        return np.random.default_rng([args.seed, stream]).standard_normal((n, args.z_dim))

    critic = config.loss == "wasserstein"            # scores, not logits: show them scaled to [0, 1]
    axis = np.linspace(-2.5, 2.5, SHEET_LINES)
    sheet_noise = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    heat_label = "critic D(x), scaled to [0, 1]" if critic else "D(x)"

    def draw(step):
        samples = generate(sampler, noise(1000, 2))
        heat = discriminator_probability(D, grid, context=samples[: args.batch_size], critic=critic).reshape(80, 80)
        arrows = (push_arrows(D, samples[: args.batch_size], trainer.generator_loss, args.arrows)
                  if args.arrows > 0 else None)
        sheet = (generate(sampler, sheet_noise).reshape(SHEET_LINES, SHEET_LINES, 2) if args.z_dim == 2 else None)
        fig, ax = new_figure(5.2, 4.4)
        plot_2d_frame(ax, samples, heat, bounds, real=real[:1000], modes=modes, label=heat_label,
                      title=f"{args.dataset}, {args.trick}: step {step}", arrows=arrows, sheet=sheet)
        if modes is not None:
            report = mode_metrics(generate(sampler, noise(NUM_SAMPLES, 3)), modes, toy.std)
            progress_of_modes.append({"step": step, "modes_captured": report.modes_captured,
                                      "high_quality_fraction": report.high_quality_fraction})
        return fig

    frames = FrameRecorder(args.out / "frames", frame_steps(args.steps, args.frames), draw,
                           resumed_at=trainer.step if args.resume else None)
    if trainer.step == 0:
        frames.capture(0)
    decay = linear_decay(optimizers, args.steps, args.decay_start, args.final_lr)
    trainer.fit(args.steps, callback=lambda t, r: (decay(t, r), frames(t, r)), progress=not args.no_progress,
                checkpoint_path=args.out / CHECKPOINT, checkpoint_every=max(1, args.steps // 20))
    train_seconds = time.perf_counter() - start

    samples = generate(sampler, noise(NUM_SAMPLES, 4))
    np.save(args.out / "samples.npy", samples.astype(np.float32))
    report = mode_metrics(samples, modes, toy.std) if modes is not None else None
    last = max(1, args.steps // 100)
    more_data = toy.sample(NUM_SAMPLES, np.random.default_rng([args.seed, 5]))
    metrics = {
        "dataset": args.dataset, "trick": args.trick, "loss": args.loss, "average": args.average,
        "seed": args.seed, "steps": args.steps,
        "num_samples": NUM_SAMPLES, "modes": report.to_dict() if report else None,
        "median_nearest_data_distance": {"generated": nearest_distance(samples, real),
                                         "data": nearest_distance(more_data, real)},
        "d_real": trainer.history.mean("d_real", last), "d_fake": trainer.history.mean("d_fake", last),
        "modes_over_training": progress_of_modes, "train_seconds": train_seconds,
        # D's verdict at each mode's centre: near 1 ("real") where G left a mode empty, unless D
        # has learnt to call it fake (replayed fakes of a mode G has left teach it that).
        "d_at_modes": (discriminator_probability(D, modes, context=samples[: args.batch_size], critic=critic).tolist()
                       if modes is not None else None),
    }
    finish_toy_run(args, trainer, frames, metrics, start, f"{args.dataset}, {args.trick}, {args.loss}", samples)
    if report:
        status(f"{report.modes_captured}/{report.num_modes} modes, {100 * report.high_quality_fraction:.1f}% "
               f"high quality, reverse KL {report.reverse_kl:.3f}")
    status(f"wrote {args.out} in {metrics['wall_seconds']:.0f} s", not args.no_progress)
    return metrics


if __name__ == "__main__":
    main()
