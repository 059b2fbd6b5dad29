"""Figure helpers every demo shares: a figure without pyplot's global state, saving, training curves.

Figures are built with ``matplotlib.figure.Figure`` directly, not ``pyplot``: nothing global is
touched, no window opens, and no backend has to be chosen; ``savefig`` renders with Agg.
"""
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

DPI = 100


def new_figure(width=6.0, height=4.0, ncols=1, nrows=1):
    """(fig, axes): a figure of ``width`` x ``height`` inches and its grid of axes (one axis: not a list)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=True)
    return fig, axes


def save_figure(fig, path, dpi=DPI, tight=False):
    """Write the figure as PNG (or what the suffix says) and return the path; ``tight`` grows or
    trims the picture to what is drawn (labels wider than the layout left room for)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight" if tight else None)
    return path


def moving_average(values, window):
    """Mean of each run of ``window`` values ending at i (shorter at the start): (n,) -> (n,)."""
    values = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(values) == 0:
        return values
    sums = np.cumsum(np.concatenate([[0.0], values]))
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(ends - window, 0)
    return (sums[ends] - sums[starts]) / (ends - starts)


def _smoothing_window(n):
    return max(1, n // 100)


def recorded(history, key):
    """(steps, values) of the records that hold ``key`` (a run resumed under a newer minigan, or a
    value measured only every few steps, leaves it out of some records)."""
    records = [r for r in history.records if key in r]
    if history.records and not records:
        raise KeyError(f"no record holds {key!r}")
    return [r["step"] for r in records], [r[key] for r in records]


def plot_series(ax, history, series):
    """Each (key, label, color) of ``series`` over generator steps: thin the raw values, thick
    their moving average over 1% of the run."""
    for key, label, color in series:
        steps, values = recorded(history, key)
        window = _smoothing_window(len(steps))
        ax.plot(steps, values, color=color, alpha=0.25, linewidth=0.5)
        ax.plot(steps, moving_average(values, window), color=color, label=label)
    ax.set_xlabel("generator step")
    ax.legend(loc="upper right")


def plot_losses(ax, history):
    """D's and G's loss over steps."""
    plot_series(ax, history, (("d_loss", "D loss", "tab:blue"), ("g_loss", "G loss", "tab:orange")))
    ax.set_ylabel("loss")


def plot_discriminator_outputs(ax, history):
    """Mean D(x) on real data and D(G(z)) on fakes over steps; both meet at 1/2 at the equilibrium."""
    plot_series(ax, history, (("d_real", "D(x), real", "tab:green"), ("d_fake", "D(G(z)), fake", "tab:red")))
    ax.axhline(0.5, color="gray", linestyle=":", linewidth=1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("mean discriminator output")


def plot_wasserstein_estimate(ax, history):
    """The critic's estimate of the Wasserstein distance, mean D(x) - mean D(G(z)) on one batch
    each: it falls as G's distribution approaches the data's (a sigmoid of a critic means nothing)."""
    plot_series(ax, history, (("wasserstein_estimate", "mean D(x) - mean D(G(z))", "tab:purple"),))
    ax.axhline(0, color="gray", linestyle=":", linewidth=1)
    ax.set_ylabel("critic's Wasserstein estimate")


def plot_generator_gradient_norm(ax, history):
    """||dL_G/dtheta_G|| over steps, on a log scale: how hard D pushes G. Under the minimax loss
    it vanishes when D rejects the fakes confidently (Arjovsky & Bottou 2017)."""
    plot_series(ax, history, (("g_grad_norm", "||dL_G / dtheta_G||", "tab:brown"),))
    if any(v > 0 for v in recorded(history, "g_grad_norm")[1]):     # a saturated D can give exactly 0
        ax.set_yscale("log")
    ax.set_ylabel("G's gradient norm")


def training_curves(history, path, title=None, wasserstein=False):
    """One PNG with the losses (left), the discriminator's outputs (middle) and G's gradient norm
    (right, when the records hold it) of a History; ``wasserstein``: the critic's Wasserstein
    estimate in the middle instead."""
    panels = 3 if any("g_grad_norm" in r for r in history.records) else 2
    fig, axes = new_figure(5.5 * panels, 4, ncols=panels)
    plot_losses(axes[0], history)
    (plot_wasserstein_estimate if wasserstein else plot_discriminator_outputs)(axes[1], history)
    if panels == 3:
        plot_generator_gradient_norm(axes[2], history)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)
