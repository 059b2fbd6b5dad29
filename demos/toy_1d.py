"""The picture of Goodfellow et al. (2014, Fig. 1), animated: a GAN learning a 1-D distribution.

    python demos/toy_1d.py                        # data N(2, 0.5^2)
    python demos/toy_1d.py --dataset bimodal      # two Gaussians at -2 and 2, std 0.5
    python demos/toy_1d.py --loss wgan-gp         # a critic with the gradient penalty (minigan.gan.presets)

Each frame shows the data density (black dotted), the generator's density (green, a kernel
density estimate of its samples), the discriminator D(x) (blue dashed) and the best discriminator
for that generator, D*(x) = p_data / (p_data + p_g) (purple; p_data exact, p_g the estimate); with --z-dim 1 also,
below, how x = G(z) maps evenly spaced noise onto x, as in the paper. At the end p_g is close to
p_data and D(x) is close to 1/2. D takes 5 steps per G step (k = 5) at a 5x larger learning rate,
and both learning rates fall linearly to 1% over the second half of the run. (With 1-D noise
the generator often folds the line, which leaves a tail of the data uncovered; 4-D noise does not.)

Every --measure-every steps the history records the Jensen-Shannon divergence of p_data and p_g
("jsd", from the densities) and E_data |D - D*| ("d_star_gap"); optimal.png draws both over
training, with the lower bound (log 4 - D's loss) / 2 of the JSD that D's own loss gives
(minigan.metrics.optimal). At D = D* the game's value is -log 4 + 2 JSD.

Writes to --out: frames/step_*.png, training.gif, final.png, curves.png, optimal.png, metrics.json
(fitted mean and std of the generator against the data, histogram KL, D on real and generated
samples, the JSD and E_data |D - D*| at the end and over training), history.json, history.csv,
checkpoint.npz, run.json.

Under a critic's loss (wgan, wgan-gp) D's outputs are scores, not logits: the frames draw them
scaled to [0, 1], and metrics.json holds the critic's mean score on real and on generated samples
and their difference, its estimate of the Wasserstein distance, instead of probabilities.
"""


import time

import minigan.blas

# Toy-sized matrices: a second BLAS thread only spins. Before NumPy loads; the environment wins.
minigan.blas.configure(threads=1)

import numpy as np

from minigan.cli import (CHECKPOINT, add_recipe_options, check_resumed_length, command_line, demo_parser,
                         finish_toy_run, fraction, linear_decay, parse_demo_args, positive_int, start_run_record,
                         status, trace_and_exit)
from minigan.data.toy import get_toy
from minigan.gan import GANTrainer
from minigan.gan.presets import PRESETS, recipe
from minigan.metrics.density import density_metrics
from minigan.metrics.optimal import distance_from_optimal, jensen_shannon, optimal_discriminator
from minigan.models import generate, toy_discriminator, toy_generator
from minigan.plots import (FrameRecorder, discriminator_outputs, discriminator_probability, frame_steps, gaussian_kde,
                           new_figure, noise_quantiles, plot_1d_frame, save_figure)
from minigan.plots.lessons import plot_optimal_discriminator_gap

DATASETS = {"gaussian": {"mean": 2.0, "std": 0.5}, "bimodal": {"means": (-2.0, 2.0), "std": 0.5}}
NUM_SAMPLES = 10_000
DENSITY_SAMPLES = 3000              # G's samples behind each estimate of p_g for D* and the JSD


def mixture_moments(toy):
    """Mean and standard deviation of a 1-D Gaussian mixture."""
    mu = toy.modes[:, 0]
    mean = float(toy.weights @ mu)
    return mean, float(np.sqrt(toy.std ** 2 + toy.weights @ (mu - mean) ** 2))


@command_line
def main(argv=None):
    parser = demo_parser(__doc__, steps=3000, out="runs/toy_1d/{dataset}-seed{seed}")
    parser.add_argument("--dataset", choices=tuple(DATASETS), default="gaussian")
    parser.add_argument("--batch-size", type=positive_int, default=256)
    parser.add_argument("--z-dim", type=positive_int, default=4,
                        help="noise size; with 1 the frames also draw the map z -> x (default 4)")
    parser.add_argument("--hidden", type=positive_int, default=64, help="units per hidden layer (G and D)")
    parser.add_argument("--depth", type=positive_int, default=2, help="hidden layers (G and D)")
    add_recipe_options(parser, d_steps=5)              # a critic's frames draw its scores scaled to [0, 1]
    parser.add_argument("--g-lr", type=float, default=None, help="G's learning rate (default 2e-4; a preset's own)")
    parser.add_argument("--d-lr", type=float, default=None, help="D's learning rate (default 1e-3; a preset's own)")
    parser.add_argument("--decay-start", type=fraction, default=0.5, help="fraction of the run before lr decay")
    parser.add_argument("--final-lr", type=fraction, default=0.01, help="last lr as a fraction of the first")
    parser.add_argument("--frames", type=positive_int, default=40)
    parser.add_argument("--measure-every", type=positive_int, default=None,
                        help="steps between measurements of the JSD and E|D - D*| (default: 60 over the run, "
                             "and 20 more spaced evenly in log(step))")
    args = parse_demo_args(parser, argv)
    start = time.perf_counter()

    toy = get_toy(args.dataset, **DATASETS[args.dataset])
    rng = np.random.default_rng(args.seed)
    G = toy_generator(args.z_dim, 1, args.hidden, args.depth, rng=rng).to(args.device)
    D = toy_discriminator(1, args.hidden, args.depth, rng=rng).to(args.device)
    plain = args.loss not in PRESETS
    config, *optimizers = recipe(args.loss, G, D, lr_g=args.g_lr or (2e-4 if plain else None),
                                 lr_d=args.d_lr or (1e-3 if plain else None), beta1=0.5 if plain else None,
                                 d_steps=args.d_steps or (5 if plain else None), batch_size=args.batch_size, z_dim=args.z_dim,
                                 penalty_weight=args.penalty_weight, seed=args.seed, g_average=args.average,
                                 accel=args.accel)
    trainer = GANTrainer(G, D, *optimizers, toy, config)
    sampler = trainer.sampler                           # G, or G's weight average with --average
    if args.trace:
        return trace_and_exit(trainer, args)
    if args.resume:
        trainer.load(args.out / CHECKPOINT)                 # weights, optimizers, step, randomness
        check_resumed_length(parser, trainer.step, args.steps)
    start_run_record(args)

    # Frames and metrics draw their own noise, so drawing them never changes the training run.
    mean, std = mixture_moments(toy)
    xs = np.linspace(mean - 3.5 * std, mean + 3.5 * std, 400)
    data_density = toy.density(xs)
    z_arrows = noise_quantiles(15)[:, None] if args.z_dim == 1 else None

    def noise(n, stream):
        return np.random.default_rng([args.seed, stream]).standard_normal((n, args.z_dim))

    critic = config.loss == "wasserstein"            # scores, not logits: shown scaled to [0, 1]

    def optimal_d(points, samples):
        """D*(points) for the generator whose samples are given: p_data exact, p_g estimated."""
        return optimal_discriminator(toy.density(points), gaussian_kde(samples, points))

    def draw(step):
        generated = generate(sampler, noise(5000, 2))
        gz = generate(sampler, z_arrows)[:, 0] if z_arrows is not None else None
        # D plays against G itself, not against the weight average that draws with --average.
        opponent = generated if sampler is G else generate(G, noise(5000, 2))
        fig, ax = new_figure(6.4, 4.4)
        plot_1d_frame(ax, xs, data_density, generated[:, 0], discriminator_probability(D, xs[:, None], critic=critic),
                      z=z_arrows, gz=gz, title=f"{args.dataset}: step {step}", critic=critic,
                      d_star=None if critic else optimal_d(xs, opponent[:, 0]))
        return fig

    def against_optimum():
        """JSD(p_data || p_g) and E_data |D - D*| on a grid that covers the data and G's samples."""
        samples = generate(G, noise(DENSITY_SAMPLES, 6))[:, 0]
        points = np.linspace(min(xs[0], samples.min() - 1), max(xs[-1], samples.max() + 1), 1000)
        p_data, p_g = toy.density(points), gaussian_kde(samples, points)
        d_star = optimal_discriminator(p_data, p_g)
        return {"jsd": jensen_shannon(p_data, p_g, points),
                "d_star_gap": distance_from_optimal(discriminator_probability(D, points[:, None]), d_star,
                                                    p_data, points)}

    # Every --measure-every steps, and at 20 steps spaced evenly in log(step): most happens early.
    measure_every = args.measure_every or max(1, args.steps // 60)
    measured = {*range(measure_every, args.steps + 1, measure_every), args.steps,
                *np.geomspace(1, args.steps, 20).round().astype(int).tolist()}

    def measure(trainer, record):
        if not critic and trainer.step in measured:
            trainer.history.records[-1].update(against_optimum())    # saved with the history and checkpoints

    frames = FrameRecorder(args.out / "frames", frame_steps(args.steps, args.frames), draw,
                           resumed_at=trainer.step if args.resume else None)
    if trainer.step == 0:
        frames.capture(0)
    decay = linear_decay(optimizers, args.steps, args.decay_start, args.final_lr)
    trainer.fit(args.steps, callback=lambda t, r: (decay(t, r), measure(t, r), frames(t, r)),
                progress=not args.no_progress,
                checkpoint_path=args.out / CHECKPOINT, checkpoint_every=max(1, args.steps // 20))
    train_seconds = time.perf_counter() - start

    data = toy.sample(NUM_SAMPLES, np.random.default_rng([args.seed, 1]))
    generated = generate(sampler, noise(NUM_SAMPLES, 4))
    metrics = {"dataset": args.dataset, "loss": args.loss, "average": args.average, "seed": args.seed, "steps": args.steps, "num_samples": NUM_SAMPLES,
               **density_metrics(data, generated), "true_mean": mean, "true_std": std}
    metrics["std_relative_error"] = abs(metrics["std"] - std) / std
    metrics["mean_relative_error"] = abs(metrics["mean"] - mean) / abs(mean) if mean else None
    if critic:                       # mean scores; their difference estimates the Wasserstein distance
        metrics["critic_on_data"] = float(discriminator_outputs(D, data).mean())
        metrics["critic_on_generated"] = float(discriminator_outputs(D, generated).mean())
        metrics["wasserstein_estimate"] = metrics["critic_on_data"] - metrics["critic_on_generated"]
    else:
        metrics["d_on_data"] = float(discriminator_probability(D, data).mean())
        metrics["d_on_generated"] = float(discriminator_probability(D, generated).mean())
        inside = (xs > np.percentile(data, 2.5)) & (xs < np.percentile(data, 97.5))
        metrics["d_max_distance_from_half"] = float(np.abs(discriminator_probability(D, xs[inside, None]) - 0.5).max())
        metrics.update(against_optimum())
        metrics["optimal_over_training"] = [{k: r[k] for k in ("step", "jsd", "d_star_gap")}
                                            for r in trainer.history.records if "jsd" in r]
        fig, axes = new_figure(11, 4, ncols=2)
        plot_optimal_discriminator_gap(axes, trainer.history)
        fig.suptitle(f"1-D {args.dataset}: D against the optimal D* = p_data / (p_data + p_g)")
        save_figure(fig, args.out / "optimal.png")
    metrics["train_seconds"] = train_seconds

    finish_toy_run(args, trainer, frames, metrics, start, f"1-D {args.dataset}, {args.loss}", generated)
    judged = (f"W estimate {metrics['wasserstein_estimate']:.3f}" if critic
              else f"D on data {metrics['d_on_data']:.3f}; JSD {metrics['jsd']:.4f}, "
                   f"E|D - D*| {metrics['d_star_gap']:.3f}")
    status(f"generator mean {metrics['mean']:.3f} std {metrics['std']:.3f} (data {mean:.3f}, {std:.3f}); "
           f"histogram KL {metrics['histogram_kl']:.4f}; {judged}")
    status(f"wrote {args.out} in {metrics['wall_seconds']:.0f} s", not args.no_progress)
    return metrics


if __name__ == "__main__":
    main()
