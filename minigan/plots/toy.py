"""Pictures of a GAN on toy data: the 1-D picture of Goodfellow et al. (2014, Fig. 1), the 2-D
samples over the discriminator's heatmap, and regression next to a GAN ("the problem of averaging").

Colours follow Goodfellow et al.: data density black dotted, generator density green solid,
discriminator D(x) = sigmoid(logit) blue dashed.
"""
from statistics import NormalDist

import numpy as np

from ..backend import device_of, to_device, to_numpy
from ..models.toy import in_eval_mode
from ..nn import MinibatchDiscrimination, Pack
from ..nn.activations import sigmoid


def gaussian_kde(samples, xs, bandwidth=None):
    """Kernel density estimate of 1-D ``samples`` at points ``xs``: (n,), (m,) -> (m,).

        p(x) = 1/(n h) sum_i phi((x - x_i) / h)
    with Silverman's robust bandwidth h = 0.9 min(std, IQR / 1.34) n^(-1/5) unless given.
    """
    samples = np.asarray(samples, dtype=np.float64).ravel()
    xs = np.asarray(xs, dtype=np.float64)
    if bandwidth is None:
        q75, q25 = np.percentile(samples, [75, 25])
        spread = min(samples.std(), (q75 - q25) / 1.34) or samples.std() or 1.0
        bandwidth = 0.9 * spread * len(samples) ** -0.2
    u = (xs[:, None] - samples[None, :]) / bandwidth                       # (m, n)
    return np.exp(-0.5 * u * u).sum(axis=1) / (len(samples) * bandwidth * np.sqrt(2 * np.pi))


def grid_points(bounds, resolution):
    """A resolution x resolution grid over bounds = (low, high) on both axes: (res * res, 2), row y, column x."""
    axis = np.linspace(bounds[0], bounds[1], resolution)
    xs, ys = np.meshgrid(axis, axis)
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


def discriminator_outputs(D, points, context=None, chunk=256):
    """D's raw output (a logit, or a critic's score) at each of ``points`` (n, d), in eval mode:
    (n,) float64 NumPy.

    A discriminator with a MinibatchDiscrimination layer judges a sample by the company it is in,
    so the points go through it in batches together with ``context`` (e.g. a batch of the
    generator's samples): D(x) is then "how real x looks when added to that batch". Each batch
    takes every k-th point, so the points inside one batch lie far apart and barely count
    each other as neighbours.

    A packed discriminator (PacGAN, a ``Pack(m)`` layer) judges m samples at once: each point goes
    in with the first m - 1 samples of ``context`` beside it (without context, m copies of itself).
    """
    first = next(iter(D.params.values()))
    points = np.asarray(points, dtype=first.dtype)
    m = max([p.m for p in D.modules() if isinstance(p, Pack)], default=1)
    if m > 1:
        company = (np.asarray(context, dtype=first.dtype)[: m - 1] if context is not None
                   else points[:, None].repeat(m - 1, axis=1))
        company = np.broadcast_to(company, (len(points), m - 1, points.shape[1]))
        packed = np.concatenate([points[:, None], company], axis=1).reshape(-1, points.shape[1])
        logits = to_numpy(in_eval_mode(D, to_device(packed, device_of(first))))[:, 0]
        return logits.astype(np.float64)
    needs_company = any(isinstance(m, MinibatchDiscrimination) for m in D.modules())
    if not needs_company or context is None:
        context = points[:0]
    context = np.asarray(context, dtype=first.dtype)
    groups = max(1, -(-len(points) // chunk))
    out = np.empty(len(points))
    for g in range(groups):
        index = np.arange(g, len(points), groups)
        batch = to_device(np.concatenate([points[index], context]), device_of(first))
        logits = to_numpy(in_eval_mode(D, batch))[: len(index), 0]
        out[index] = logits
    return out


def discriminator_probability(D, points, context=None, chunk=256, critic=False):
    """D(x) = sigmoid(D's logit) at each of ``points`` (n, d), in eval mode: (n,) NumPy
    (``discriminator_outputs`` says how ``context`` is used).

    ``critic=True`` (a Wasserstein critic, whose outputs are scores, not logits): D's raw
    output, min-max scaled to [0, 1] over the points, so a plot shows where the critic
    rates samples higher (1) or lower (0) than elsewhere; its sigmoid would sit at 0 or 1.
    """
    return _as_shown(discriminator_outputs(D, points, context, chunk), critic)


def _as_shown(values, critic):
    """D's outputs as a heatmap shows them: probabilities, or a critic's scores scaled to [0, 1]."""
    if not critic:
        return sigmoid(values)
    if values.size == 0:
        return values
    return (values - values.min()) / max(float(np.ptp(values)), 1e-300)


def plot_1d_frame(ax, xs, data_density, generated, d_values, z=None, gz=None, title=None, critic=False,
                  d_star=None):
    """Goodfellow et al. (2014), Fig. 1: densities and D over x; below, the map x = G(z).

    xs (m,): the x grid; data_density (m,): p_data(xs); generated (n,): samples of G, shown by
    their kernel density; d_values (m,): D(xs). z, gz (k,): optional noise values, drawn evenly
    spaced on the lower line, and their images G(z) on the x line, joined by arrows.
    d_star (m,): the optimal discriminator p_data / (p_data + p_g) for this G (metrics.optimal),
    drawn thin beside D.
    critic: d_values are a Wasserstein critic's scores scaled to [0, 1] (discriminator_probability
    with critic=True), labelled so, without the line at 1/2 where a discriminator is undecided.
    """
    generator_density = gaussian_kde(generated, xs)
    top = max(data_density.max(), generator_density.max(), 1.0) * 1.05
    ax.plot(xs, data_density / top, "k:", linewidth=2, label="data  $p_{data}$")
    ax.plot(xs, generator_density / top, "g-", linewidth=2, label="generator  $p_g$")
    ax.plot(xs, d_values, "b--", linewidth=2,
            label="critic  $D(x)$, scaled to [0, 1]" if critic else "discriminator  $D(x)$")
    if d_star is not None:
        ax.plot(xs, d_star, color="tab:purple", linestyle="-.", linewidth=1.2,
                label="optimal  $D^*(x) = p_{data} / (p_{data} + p_g)$")
    if not critic:
        ax.axhline(0.5, color="gray", linewidth=0.5)
    low, high = xs[0], xs[-1]
    if z is not None and gz is not None:
        x_line, z_line = -0.15, -0.45
        ax.hlines([x_line, z_line], low, high, colors="k", linewidth=1)
        ax.text(low, x_line + 0.02, " x", va="bottom")
        ax.text(low, z_line + 0.02, " z", va="bottom")
        z_positions = np.linspace(low, high, len(z) + 2)[1:-1]
        for start, end in zip(z_positions, np.clip(gz, low, high)):
            ax.annotate("", xy=(end, x_line), xytext=(start, z_line),
                        arrowprops=dict(arrowstyle="->", color="k", linewidth=0.6))
        ax.set_ylim(-0.5, 1.05)
    else:
        ax.set_ylim(0, 1.05)
    ax.set_xlim(low, high)
    ax.set_yticks([0, 0.5, 1])
    ax.set_xlabel("x")
    ax.set_ylabel(f"D(x); densities / {top:.2g}")
    ax.legend(loc="upper right", fontsize="small")
    if title:
        ax.set_title(title)


def noise_quantiles(count):
    """``count`` values of z ~ N(0, 1) at equal-probability steps: evenly spaced on the z line,
    their images G(z) crowd where the generator puts its mass."""
    normal = NormalDist()
    return np.array([normal.inv_cdf((k + 0.5) / count) for k in range(count)])


ARROW_SPAN = 0.12                 # the longest push arrow, as a fraction of the frame's width


def plot_2d_frame(ax, samples, probabilities, bounds, real=None, modes=None, title=None, colorbar=True,
                  label="D(x)", arrows=None, sheet=None):
    """Generated ``samples`` (n, 2) as black dots over the heatmap of D(x) (``label`` on its colour bar).

    probabilities (res, res): D on ``grid_points(bounds, res)``; red means "real", blue "fake".
    real (m, 2): data points drawn faintly; modes (K, 2): the mixture centres, marked +.
    arrows: (points (k, 2), push (k, 2)), e.g. -dL_G/dx at generated points (metrics.push), drawn
    as arrows scaled together so that the longest spans ARROW_SPAN of the frame: their directions
    and relative sizes are the pictures' message, not their absolute length.
    sheet (rows, cols, 2): G's image of a regular grid of 2-D noise, drawn as its grid lines.
    """
    image = ax.imshow(probabilities, origin="lower", extent=(*bounds, *bounds), cmap="coolwarm",
                      vmin=0, vmax=1, interpolation="bilinear")
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=2, c="lightgray", alpha=0.6, linewidths=0, label="data")
    if sheet is not None:
        for line in (*sheet, *sheet.transpose(1, 0, 2)):         # rows, then columns of the noise grid
            ax.plot(line[:, 0], line[:, 1], color="darkgreen", linewidth=0.4, alpha=0.7)
    ax.scatter(samples[:, 0], samples[:, 1], s=2, c="k", linewidths=0, label="G(z)")
    if arrows is not None:
        points, push = arrows
        longest = float(np.hypot(push[:, 0], push[:, 1]).max())
        scale = ARROW_SPAN * (bounds[1] - bounds[0]) / longest if longest > 0 else 0.0
        ax.quiver(points[:, 0], points[:, 1], scale * push[:, 0], scale * push[:, 1], angles="xy",
                  scale_units="xy", scale=1, color="gold", edgecolor="k", linewidth=0.3, width=0.006)
    if modes is not None:
        ax.scatter(modes[:, 0], modes[:, 1], s=30, marker="+", c="lime", linewidths=1)
    ax.set_xlim(bounds)
    ax.set_ylim(bounds)
    ax.set_aspect("equal")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, shrink=0.8, label=label)
    if title:
        ax.set_title(title)


def plot_averaging(axes, data, inputs, predictions, samples, regression_title, gan_title):
    """The problem of averaging, two panels sharing their axes.

    data (n, 2): (x, y) pairs of the target; inputs (m,), predictions (m, 1 or 2): the regression;
    a 1-column prediction is drawn as the curve y = f(x), a 2-column one as points; samples (k, 2): the GAN's.
    """
    left, right = axes
    for ax in axes:
        ax.scatter(data[:, 0], data[:, 1], s=3, c="lightgray", linewidths=0, label="data")
        ax.set_aspect("equal")
    if predictions.shape[1] == 1:
        left.plot(inputs, predictions[:, 0], "r-", linewidth=2, label="regression f(x)")
    else:
        left.scatter(predictions[:, 0], predictions[:, 1], s=60, c="r", marker="x", label="regression output")
    right.scatter(samples[:, 0], samples[:, 1], s=3, c="k", linewidths=0, label="GAN samples")
    left.set_title(regression_title)
    right.set_title(gan_title)
    for ax in axes:
        ax.legend(loc="lower right", fontsize="small", markerscale=2)
    right.set_xlim(left.get_xlim())
    right.set_ylim(left.get_ylim())
