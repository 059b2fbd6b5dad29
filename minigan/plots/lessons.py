"""Figures of the GAN lessons: D against the optimal D*, vanishing gradients, the bilinear game,
and shares of modes or classes over training."""
import math

import numpy as np

from .common import moving_average, recorded


def plot_optimal_discriminator_gap(axes, history):
    """Two panels from a History whose records hold "jsd" and "d_star_gap" every few steps.

    Left: the Jensen-Shannon divergence of p_data and p_g (from densities), and the lower bound
    (log 4 - D's loss) / 2 that D's own loss gives of it (smoothed; equal to the JSD when D = D*).
    Right: E_data |D(x) - D*(x)|, how far D is from the best discriminator for the current G.
    Steps on a log scale: most of the divergence goes in the first few hundred steps.
    """
    left, right = axes
    steps, jsd = recorded(history, "jsd")
    left.plot(steps, jsd, "o-", color="tab:purple", markersize=3, label="JSD($p_{data}$ || $p_g$), from densities")
    all_steps, losses = recorded(history, "d_loss")
    penalties = [r.get("penalty", 0.0) for r in history.records if "d_loss" in r]
    bound = (math.log(4) - (np.asarray(losses) - np.asarray(penalties))) / 2
    left.plot(all_steps, bound, color="tab:blue", alpha=0.2, linewidth=0.5)
    window = max(1, len(bound) // 300)
    centred = np.asarray(all_steps, dtype=np.float64) - (window - 1) / 2   # the mean of steps t - w + 1 .. t
    left.plot(centred[window - 1:], moving_average(bound, window)[window - 1:], color="tab:blue",
              label="(log 4 - D's loss) / 2, a lower bound")
    left.axhline(math.log(2), color="gray", linestyle=":", linewidth=1)
    left.text(all_steps[-1] if all_steps else 0, math.log(2), "log 2: disjoint", ha="right", va="bottom",
              fontsize="small", color="gray")
    left.axhline(0, color="gray", linewidth=0.5)
    left.set_ylim(-0.05, 0.75)
    left.set_xscale("log")
    left.set_xlabel("generator step")
    left.set_ylabel("nats")
    left.legend(loc="lower left", fontsize="small")
    steps, gap = recorded(history, "d_star_gap")
    right.plot(steps, gap, "o-", color="tab:green", markersize=3)
    right.set_ylim(bottom=0)
    right.set_xscale("log")
    right.set_xlabel("generator step")
    right.set_ylabel("$E_{data}\\,|D(x) - D^*(x)|$")
    right.set_title("distance of D from the optimal $D^*$", fontsize="medium")


GRADIENT_COLOURS = {"minimax": "tab:red", "non_saturating": "tab:blue", "wasserstein": "tab:green"}
GRADIENT_LABELS = {"minimax": "minimax  log(1 - D(G(z)))", "non_saturating": "non-saturating  -log D(G(z))",
                   "wasserstein": "Wasserstein critic (WGAN-GP)"}
LINE_STYLES = ("-", "--", ":", "-.")


def plot_vanishing_gradients(axes, experiments):
    """G's gradient norm while a fresh D trains against a frozen G (demos/vanishing_gradients.py).

    experiments: [{"g_steps": N, "measurements": [{"d_step", "d_fake", "minimax", "non_saturating",
    "wasserstein"}, ...]}, ...], one line style per frozen G. Left: the three norms against D's
    steps. Right: the minimax and non-saturating norms against mean D(G(z)) on the fixed batch,
    the axis reversed so that D's confidence grows to the right.
    """
    left, right = axes
    for number, (style, experiment) in enumerate(zip(LINE_STYLES * 3, experiments)):
        rows = experiment["measurements"]
        steps = [r["d_step"] for r in rows]
        for key, colour in GRADIENT_COLOURS.items():
            left.plot(steps, [r[key] for r in rows], style, color=colour, marker=".",
                      label=GRADIENT_LABELS[key] if number == 0 else None)
        for key in ("minimax", "non_saturating"):
            right.plot([r["d_fake"] for r in rows], [r[key] for r in rows], style, color=GRADIENT_COLOURS[key],
                       marker=".")
        for ax in axes:                                   # one legend entry per frozen G, in black
            ax.plot([], [], style, color="black", label=f"G frozen after {experiment['g_steps']} steps")
    left.set_xscale("symlog", linthresh=1)
    left.set_yscale("log")
    left.set_xlabel("D's training steps with G frozen")
    left.set_ylabel("||dL_G / dtheta_G||")
    left.legend(fontsize="x-small", loc="lower left")
    right.set_xscale("log")
    right.set_yscale("log")
    right.invert_xaxis()
    right.set_xlabel("mean D(G(z)) on a fixed batch (D more confident to the right)")
    right.set_ylabel("||dL_G / dtheta_G||")
    right.legend(fontsize="x-small", loc="lower left")


BILINEAR_STYLES = {"simultaneous": ("tab:red", "simultaneous steps"), "alternating": ("tab:orange", "alternating steps"),
                   "averaged": ("black", "mean of the alternating iterates"),
                   "extragradient": ("tab:blue", "extragradient"), "optimistic": ("tab:purple", "optimistic"),
                   "consensus": ("tab:green", "consensus term")}


def plot_bilinear_game(axes, paths):
    """min_x max_y x y (demos/bilinear_game.py). paths: name -> iterates (T, 2), names from
    BILINEAR_STYLES. Left: the trajectories in the (x, y) plane, the equilibrium marked.
    Right: the distance |z_t| to the equilibrium over steps, on a log scale."""
    left, right = axes
    for name, points in paths.items():
        colour, label = BILINEAR_STYLES[name]
        left.plot(points[:, 0], points[:, 1], color=colour, linewidth=0.8, label=label)
        left.plot(*points[-1], "o", color=colour, markersize=4)
        right.plot(np.hypot(points[:, 0], points[:, 1]), color=colour, label=label)
    left.plot(*paths[next(iter(paths))][0], "k*", markersize=10, label="start")
    left.plot(0, 0, "kx", markersize=10, label="equilibrium (0, 0)")
    left.set_aspect("equal")
    # Framed on the paths that stay bounded: the simultaneous spiral leaves the picture.
    limit = 1.25 * max(float(np.abs(p).max()) for name, p in paths.items() if name != "simultaneous")
    left.set_xlim(-limit, limit)
    left.set_ylim(-limit, limit)
    left.set_xlabel("x (minimises x y)")
    left.set_ylabel("y (maximises x y)")
    left.legend(fontsize="x-small", loc="lower left")
    right.set_yscale("log")
    right.set_xlabel("step")
    right.set_ylabel("distance to the equilibrium |(x, y)|")
    right.legend(fontsize="x-small", loc="lower left")


def plot_shares(ax, steps, shares, names, title=None):
    """Shares of modes or classes over training as stacked bands: steps (T,), shares (T, K) whose
    rows sum to at most 1 (the rest, e.g. samples far from every mode, stays white), names (K,)."""
    shares = np.asarray(shares, dtype=np.float64)
    colours = [f"C{k % 10}" for k in range(shares.shape[1])]
    ax.stackplot(steps, shares.T, labels=names, colors=colours, alpha=0.85, linewidth=0)
    ax.set_ylim(0, 1)
    ax.set_xlim(steps[0], steps[-1])
    ax.set_ylabel("share of samples")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="x-small", ncol=1 + len(names) // 11)
    if title:
        ax.set_title(title, fontsize="medium")


def plot_oscillation(axes, history, steps, g_shares, average_shares, names):
    """The game oscillating on the ring (demos/ring_oscillation.py), four panels sharing the step
    axis: the losses, mean D(x) and D(G(z)), the share of G's samples nearest each mode, the same
    for G's weight average."""
    losses, outputs, g_panel, average_panel = axes
    for ax, series in ((losses, (("d_loss", "D loss", "tab:blue"), ("g_loss", "G loss", "tab:orange"))),
                       (outputs, (("d_real", "D(x), real", "tab:green"), ("d_fake", "D(G(z)), fake", "tab:red")))):
        for key, label, colour in series:
            x, values = recorded(history, key)
            ax.plot(x, values, color=colour, linewidth=0.6, label=label)
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="x-small")
    losses.set_ylabel("loss")
    outputs.set_ylabel("mean D")
    outputs.set_ylim(0, 1)
    plot_shares(g_panel, steps, g_shares, names, "G: the mode nearest each of its samples")
    plot_shares(average_panel, steps, average_shares, names, "G's weight average: the same")
    average_panel.set_xlabel("generator step")
