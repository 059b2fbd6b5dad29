"""The problem of averaging: trained with squared error on a target with several right answers,
a regression model predicts their mean, which is none of them; a GAN draws real answers.

    python demos/averaging.py                    # y = +1 or -1, a fair coin for every x in [-1, 1]
    python demos/averaging.py --target ring      # a ring of 8 modes, predicted from no input at all

The regression f minimises mean (f(x) - y)^2, whose minimum is f(x) = E[y | x]: 0 for the coin,
the ring's centre for the ring, where no data lies. The GAN learns the joint distribution of
(x, y) and its samples land on the data. One figure, side by side: figure.png.
Also writes metrics.json (median distance to the nearest data point of the regression's outputs
and of the GAN's samples), history.json and checkpoint.npz (the GAN).
"""


import time

import minigan.blas

# Toy-sized matrices: a second BLAS thread only spins. Before NumPy loads; the environment wins.
minigan.blas.configure(threads=1)

import numpy as np

from minigan.backend import device_of, to_device
from minigan.cli import command_line, demo_parser, linear_decay, parse_demo_args, positive_int, status, write_json
from minigan.data.toy import Ring
from minigan.gan import GANConfig, GANTrainer
from minigan.metrics.modes import nearest_mode
from minigan.models import generate, toy_discriminator, toy_generator
from minigan.optim import Adam
from minigan.plots import new_figure, plot_averaging, save_figure

NUM_SAMPLES = 2500


class CoinTarget:
    """(x, y) with x ~ U(-1, 1) and y = +1 or -1 with equal odds, plus N(0, noise^2) on y."""

    def __init__(self, noise=0.05):
        self.noise = noise

    def sample(self, n, rng):
        x = rng.uniform(-1, 1, n)
        y = rng.choice([-1.0, 1.0], n) + self.noise * rng.standard_normal(n)
        return np.stack([x, y], axis=1).astype(np.float32)


def fit_least_squares(f, inputs, targets, steps, batch_size, rng):
    """Train f on mini-batches by L = mean |f(u) - y|^2, so dL/df = 2 (f(u) - y) / (N * dims)."""
    first = next(iter(f.params.values()))
    optimizer = Adam(f, lr=1e-3)
    for _ in range(steps):
        index = rng.integers(0, len(inputs), batch_size)
        u, y = (to_device(a[index].astype(first.dtype), device_of(first)) for a in (inputs, targets))
        f.zero_grad()
        f.backward(2 * (f.forward(u) - y) / y.size)
        optimizer.step()
    return f


def median_nearest(points, data):
    return float(np.median(nearest_mode(points.astype(np.float64), data.astype(np.float64))[1]))


@command_line
def main(argv=None):
    parser = demo_parser(__doc__, steps=3000, out="runs/averaging/{target}-seed{seed}")
    parser.add_argument("--target", choices=("coin", "ring"), default="coin")
    parser.add_argument("--batch-size", type=positive_int, default=128)
    args = parse_demo_args(parser, argv)
    start = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    data_source = CoinTarget() if args.target == "coin" else Ring()
    data = data_source.sample(NUM_SAMPLES, np.random.default_rng([args.seed, 1]))

    # Regression: from x to y for the coin; from a constant input (nothing) to the point for the ring.
    if args.target == "coin":
        inputs, targets = data[:, :1], data[:, 1:]
    else:
        inputs, targets = np.zeros((len(data), 1), np.float32), data
    f = toy_generator(1, targets.shape[1], hidden=64, depth=2, rng=rng).to(args.device)
    f.needs_input_grad = False
    fit_least_squares(f, inputs, targets, args.steps, args.batch_size, rng)
    test_inputs = np.linspace(-1, 1, 200)[:, None].astype(np.float32) if args.target == "coin" else inputs[:1]
    predictions = generate(f, test_inputs)

    # GAN on the joint distribution of the data points.
    G = toy_generator(2, 2, hidden=128, depth=3, rng=rng).to(args.device)
    D = toy_discriminator(2, hidden=128, depth=3, rng=rng).to(args.device)
    optimizers = [Adam(G, lr=1e-3, betas=(0.5, 0.999)), Adam(D, lr=1e-3, betas=(0.5, 0.999))]
    config = GANConfig(batch_size=args.batch_size, z_dim=2, seed=args.seed, accel=args.accel)
    trainer = GANTrainer(G, D, *optimizers, data_source, config)
    trainer.fit(args.steps, callback=linear_decay(optimizers, args.steps), progress=not args.no_progress,
                checkpoint_path=args.out / "checkpoint.npz")
    samples = generate(G, np.random.default_rng([args.seed, 4]).standard_normal((NUM_SAMPLES, 2)))

    regression_points = (np.concatenate([test_inputs, predictions], axis=1) if args.target == "coin"
                         else predictions)
    metrics = {"target": args.target, "seed": args.seed, "steps": args.steps,
               "median_nearest_data_distance": {"regression": median_nearest(regression_points, data),
                                                "gan": median_nearest(samples, data),
                                                "data": median_nearest(data_source.sample(
                                                    NUM_SAMPLES, np.random.default_rng([args.seed, 5])), data)}}
    if args.target == "coin":
        metrics["regression_mean_abs_prediction"] = float(np.abs(predictions).mean())
    else:
        metrics["regression_output"] = predictions[0].tolist()
    fig, axes = new_figure(10, 4.6, ncols=2)
    plot_averaging(axes, data, test_inputs[:, 0], predictions, samples,
                   "regression (squared error): the mean", "GAN: samples of the data")
    save_figure(fig, args.out / "figure.png")
    trainer.history.save_json(args.out / "history.json")
    metrics["wall_seconds"] = time.perf_counter() - start
    write_json(args.out / "metrics.json", metrics)
    distances = metrics["median_nearest_data_distance"]
    status(f"median distance to the nearest data point: regression {distances['regression']:.3f}, "
           f"GAN {distances['gan']:.3f}, data itself {distances['data']:.3f}")
    return metrics


if __name__ == "__main__":
    main()
