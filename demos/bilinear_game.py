"""Non-convergence in the simplest game, min_x max_y x y: gradient steps circle the equilibrium (0, 0) instead of reaching it.

    python demos/bilinear_game.py                       # lr 0.1, 600 steps from (1, 1)
    python demos/bilinear_game.py --lr 0.3 --steps 200

The gradient field (dV/dx, -dV/dy) = (y, -x) is a pure rotation: it never points towards the
equilibrium, so plain gradient steps cannot settle there. With step size eta and z = (x, y):

    simultaneous      x' = x - eta y,   y' = y + eta x                 |z'|^2 = (1 + eta^2) |z|^2: spirals out
    alternating       x' = x - eta y,   y' = y + eta x'                keeps x^2 + y^2 - eta x y: orbits forever
    averaged          the running mean of the alternating iterates      -> (0, 0) like 1/t
    extragradient     look ahead: x_ = x - eta y, y_ = y + eta x;      |z'|^2 = (1 - eta^2 + eta^4) |z|^2
                      x' = x - eta y_,  y' = y + eta x_
    optimistic        x' = x - 2 eta y + eta y_prev,                   steps with last step's gradient
                      y' = y + 2 eta x - eta x_prev                    subtracted; converges for small eta
    consensus         both players also descend gamma/2 |grad V|^2 =   |z'|^2 = ((1 - eta gamma)^2 + eta^2) |z|^2
                      gamma/2 (x^2 + y^2): x' = x - eta (y + gamma x),
                      y' = y + eta (x - gamma y)                       (Mescheder et al. 2017): it
                                                                       converges when (1 - eta gamma)^2 + eta^2 < 1

A GAN's two players step the same way on a curved version of this game; demos/ring_oscillation.py
shows the orbit in a real GAN. Writes to --out: bilinear_game.png (trajectories, and the distance
to the equilibrium over steps), metrics.json (every iterate's distance and the last point), run.json.
"""
import time

import numpy as np

from minigan.cli import demo_parser, non_negative_float, parse_demo_args, status
from minigan.jsonio import write_json
from minigan.plots import new_figure, save_figure
from minigan.plots.lessons import plot_bilinear_game


def simultaneous(x, y, previous, lr, gamma):
    return x - lr * y, y + lr * x


def alternating(x, y, previous, lr, gamma):
    x = x - lr * y
    return x, y + lr * x


def extragradient(x, y, previous, lr, gamma):
    x_ahead, y_ahead = x - lr * y, y + lr * x
    return x - lr * y_ahead, y + lr * x_ahead


def optimistic(x, y, previous, lr, gamma):
    x_prev, y_prev = previous
    return x - 2 * lr * y + lr * y_prev, y + 2 * lr * x - lr * x_prev


def consensus(x, y, previous, lr, gamma):
    return x - lr * (y + gamma * x), y + lr * (x - gamma * y)


RULES = {"simultaneous": simultaneous, "alternating": alternating, "extragradient": extragradient,
         "optimistic": optimistic, "consensus": consensus}


def iterate(rule, start, steps, lr, gamma=0.0):
    """The points z_0 = start, z_1, ..., z_steps of one update rule: (steps + 1, 2). The first
    optimistic step takes z_prev = z_0 (a plain simultaneous step)."""
    points = np.empty((steps + 1, 2))
    points[0] = start
    previous = start
    for t in range(steps):
        points[t + 1] = RULES[rule](*points[t], previous, lr, gamma)
        previous = points[t]
    return points


def running_mean(points):
    """The mean of z_0 .. z_t at every t: (T, 2) -> (T, 2)."""
    return np.cumsum(points, axis=0) / np.arange(1, len(points) + 1)[:, None]


def main(argv=None):
    parser = demo_parser(__doc__, steps=600, out="runs/bilinear_game/lr{lr}")
    parser.add_argument("--lr", type=non_negative_float, default=0.1, help="step size eta (default 0.1)")
    parser.add_argument("--gamma", type=non_negative_float, default=0.2,
                        help="weight of the consensus term gamma/2 |grad V|^2; it converges when "
                             "(1 - lr gamma)^2 + lr^2 < 1 (default 0.2)")
    parser.add_argument("--start", type=float, nargs=2, default=(1.0, 1.0), metavar=("X", "Y"))
    args = parse_demo_args(parser, argv)
    if args.resume or args.trace:
        parser.error("this demo keeps no checkpoint and traces nothing: run it again without --resume/--trace")
    start = time.perf_counter()
    paths = {rule: iterate(rule, np.array(args.start), args.steps, args.lr, args.gamma) for rule in RULES}
    paths["averaged"] = running_mean(paths["alternating"])
    fig, axes = new_figure(12, 5, ncols=2)
    plot_bilinear_game(axes, paths)
    fig.suptitle(f"min_x max_y x y, step size {args.lr}: only some rules reach the equilibrium (0, 0)")
    save_figure(fig, args.out / "bilinear_game.png")
    distance = {name: np.hypot(p[:, 0], p[:, 1]) for name, p in paths.items()}
    metrics = {"lr": args.lr, "gamma": args.gamma, "steps": args.steps, "start": list(args.start),
               "final_distance": {name: float(d[-1]) for name, d in distance.items()},
               "final_point": {name: p[-1].tolist() for name, p in paths.items()},
               "distance": {name: d.tolist() for name, d in distance.items()},
               "wall_seconds": time.perf_counter() - start}
    write_json(args.out / "metrics.json", metrics)
    write_json(args.out / "run.json", {"command": args.command, "args": {k: str(v) for k, v in vars(args).items()}})
    status("distance to (0, 0) after {} steps: {}".format(
        args.steps, ", ".join(f"{name} {d:.3g}" for name, d in metrics["final_distance"].items())),
        not args.no_progress)
    status(f"wrote {args.out}", not args.no_progress)
    return metrics


if __name__ == "__main__":
    main()
