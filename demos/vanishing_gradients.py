"""Vanishing gradients (Arjovsky & Bottou 2017, figures 2 and 3): freeze G, train D towards the optimum, and measure the gradient G would get.

    python demos/vanishing_gradients.py                          # the ring; G frozen after 0 and 1,000 GAN steps
    python demos/vanishing_gradients.py --g-steps 0 300 3000 --steps 5000

For each --g-steps N, G is trained for N steps of a plain GAN (non-saturating, as toy_2d.py) and
then frozen. A fresh discriminator then trains alone for --steps steps with the cross-entropy
loss, and beside it a fresh critic with the Wasserstein loss and the gradient penalty (WGAN-GP).
At steps spaced evenly in log(step), on a fixed batch of noise, the demo measures the norm of
G's gradient ||dL_G/dtheta_G|| (minigan.metrics.push) for three generator losses:

    minimax         log(1 - D(G(z)))      dL_G/dl = -D(G(z)) / N        -> 0 as D rejects the fakes
    non-saturating  -log D(G(z))          dL_G/dl = -(1 - D(G(z))) / N  -> -1 / N
    wasserstein     -critic(G(z))         dL_G/dl = -1 / N, and the penalty keeps |grad critic| near 1

The first two use the same D: only the loss G would minimise differs. As D grows confident,
mean D(G(z)) falls towards 0 and the minimax gradient vanishes with it, while the
non-saturating one does not.

Writes to --out: vanishing_gradients.png (G's gradient norm against D's steps, and against
mean D(G(z))), metrics.json (every measurement), run.json. --steps counts D's steps with each
frozen G; the run keeps no checkpoint (--resume is refused: run it again, it takes a minute).
"""
import time

import minigan.blas

# Toy-sized matrices: a second BLAS thread only spins. Before NumPy loads; the environment wins.
minigan.blas.configure(threads=1)

import numpy as np

from minigan.cli import demo_parser, parse_demo_args, positive_int, status
from minigan.data.toy import get_toy
from minigan.gan import GANTrainer
from minigan.gan.history import Progress
from minigan.gan.presets import recipe
from minigan.jsonio import write_json
from minigan.metrics.push import generator_gradient_norm
from minigan.models import toy_discriminator, toy_generator
from minigan.nn.activations import sigmoid
from minigan.plots import new_figure, save_figure
from minigan.plots.lessons import plot_vanishing_gradients

LOSSES = ("minimax", "non-saturating", "wasserstein")
EVAL_BATCH = 512


def measurement_steps(steps, count):
    """0, then ``count`` steps spaced evenly in log(step) up to ``steps``, unique."""
    return sorted({0, *np.geomspace(1, steps, count).round().astype(int).tolist()})


def main(argv=None):
    parser = demo_parser(__doc__, steps=2000, out="runs/vanishing_gradients/{dataset}-seed{seed}")
    parser.add_argument("--dataset", choices=("ring", "grid"), default="ring")
    parser.add_argument("--g-steps", type=int, nargs="+", default=[0, 1000],
                        help="GAN steps G trains before it is frozen, one experiment each (default 0 1000)")
    parser.add_argument("--batch-size", type=positive_int, default=128)
    parser.add_argument("--z-dim", type=positive_int, default=8)
    parser.add_argument("--hidden", type=positive_int, default=128, help="units per hidden layer (G, D, critic)")
    parser.add_argument("--depth", type=positive_int, default=3, help="hidden layers (G, D, critic)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate for G's training and for D "
                                                              "(the critic keeps WGAN-GP's 1e-4; default 1e-3)")
    parser.add_argument("--points", type=positive_int, default=25, help="measurements per experiment (default 25)")
    args = parse_demo_args(parser, argv)
    if args.resume or args.trace:
        parser.error("this demo keeps no checkpoint and traces nothing: run it again without --resume/--trace")
    if any(n < 0 for n in args.g_steps):
        parser.error(f"--g-steps must be >= 0, got {args.g_steps}")
    start = time.perf_counter()
    toy = get_toy(args.dataset)
    z = np.random.default_rng([args.seed, 7]).standard_normal((EVAL_BATCH, args.z_dim)).astype(np.float32)
    real = toy.sample(EVAL_BATCH, np.random.default_rng([args.seed, 8]))
    common = dict(batch_size=args.batch_size, z_dim=args.z_dim, seed=args.seed, accel=args.accel)

    experiments = []
    for g_steps in args.g_steps:
        rng = np.random.default_rng(args.seed)
        G = toy_generator(args.z_dim, 2, args.hidden, args.depth, rng=rng).to(args.device)
        if g_steps:
            D_game = toy_discriminator(2, args.hidden, args.depth, rng=rng).to(args.device)
            config, *optimizers = recipe("non-saturating", G, D_game, lr_g=args.lr, lr_d=args.lr, **common)
            GANTrainer(G, D_game, *optimizers, toy, config).fit(g_steps, progress=False)
        # Fresh judges of the frozen G: D (cross-entropy) and a critic (WGAN-GP). G never steps.
        D = toy_discriminator(2, args.hidden, args.depth, rng=[args.seed, 1]).to(args.device)
        critic = toy_discriminator(2, args.hidden, args.depth, rng=[args.seed, 2]).to(args.device)
        config, *optimizers = recipe("non-saturating", G, D, lr_g=args.lr, lr_d=args.lr, **common)
        d_trainer = GANTrainer(G, D, *optimizers, toy, config)          # G's optimizer never steps
        config, *optimizers = recipe("wgan-gp", G, critic, **common)
        c_trainer = GANTrainer(G, critic, *optimizers, toy, config)

        measured, rows = measurement_steps(args.steps, args.points), []
        bar = Progress(args.steps, enabled=not args.no_progress)
        for step in range(args.steps + 1):
            if step in measured:
                fake_logits, real_logits = D.forward(G.forward(z)), D.forward(real)
                rows.append({
                    "d_step": step, "d_fake": float(sigmoid(fake_logits).mean()),
                    "d_real": float(sigmoid(real_logits).mean()),
                    "d_accuracy": float(((fake_logits < 0).mean() + (real_logits > 0).mean()) / 2),
                    "minimax": generator_gradient_norm(G, D, z, "minimax"),
                    "non_saturating": generator_gradient_norm(G, D, z, "non-saturating"),
                    "wasserstein": generator_gradient_norm(G, critic, z, "wasserstein"),
                })
            if step < args.steps:
                record = d_trainer.discriminator_step()
                c_trainer.discriminator_step()
                bar.update(step + 1, record)
        first, last = rows[0], rows[-1]
        status(f"G after {g_steps} steps: D(G(z)) {first['d_fake']:.3f} -> {last['d_fake']:.2e}; G's gradient "
               f"norm, minimax {first['minimax']:.3g} -> {last['minimax']:.3g}, non-saturating "
               f"{first['non_saturating']:.3g} -> {last['non_saturating']:.3g}, wasserstein "
               f"{first['wasserstein']:.3g} -> {last['wasserstein']:.3g}", not args.no_progress)
        experiments.append({"g_steps": g_steps, "measurements": rows})

    fig, axes = new_figure(12, 4.6, ncols=2)
    plot_vanishing_gradients(axes, experiments)
    fig.suptitle(f"{args.dataset}: G frozen, D trained alone; the gradient G would get")
    save_figure(fig, args.out / "vanishing_gradients.png")
    metrics = {"dataset": args.dataset, "seed": args.seed, "d_steps": args.steps, "eval_batch": EVAL_BATCH,
               "experiments": experiments, "wall_seconds": time.perf_counter() - start}
    write_json(args.out / "metrics.json", metrics)
    write_json(args.out / "run.json", {"command": args.command, "args": {k: str(v) for k, v in vars(args).items()}})
    status(f"wrote {args.out} in {metrics['wall_seconds']:.0f} s", not args.no_progress)
    return metrics


if __name__ == "__main__":
    main()
