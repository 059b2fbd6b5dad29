"""Mode metrics for 2-D Gaussian mixtures (the ring and the grid), as in VEEGAN and PacGAN.

Srivastava et al. 2017 (VEEGAN) and Lin et al. 2018 (PacGAN) score N = 2,500 generated points
x_1..x_N against the K true centres mu_1..mu_K, all with standard deviation sigma:

    nearest(x)      = argmin_k |x - mu_k|
    high quality    : |x - mu_nearest(x)| < 3 sigma      (strict, as in PacGAN's code)
    c_k             = #{high-quality x with nearest(x) = k}           per-mode counts
    modes captured  = #{k : c_k >= min_count}                         min_count = 1 by default
    high quality    = sum_k c_k / N
    reverse KL      = KL(p || u) = sum_k p_k log(p_k / (1/K)),   p_k = c_k / sum_j c_j

Zero counts: a mode with c_k = 0 adds 0 to the reverse KL (the limit p log p -> 0), so no
smoothing is needed and the value lies in [0, log K]: 0 for a uniform histogram, log K when
every high-quality point sits at one mode. With no high-quality point at all p is undefined and
``reverse_kl`` is NaN (None in ``to_dict``).

The definition above counts a mode as captured with a single high-quality point. Some published
code counts a mode only when it holds at least a minimum number of high-quality points; pass
``min_count`` for that variant (it changes ``modes_captured`` only).

For a true 2-D sample, |x - mu| / sigma follows a chi distribution with 2 degrees of freedom,
so the expected high-quality fraction is P(chi_2 < 3) = 1 - exp(-9/2) ~= 0.9889, not 1.
"""
import math
from dataclasses import dataclass

import numpy as np

from ..backend import get_array_module, to_numpy

NUM_SAMPLES = 2500
THRESHOLD = 3.0


@dataclass
class ModeReport:
    """Result of ``mode_metrics``; ``counts`` holds c_k, the high-quality points per mode."""
    modes_captured: int
    num_modes: int
    high_quality_fraction: float
    reverse_kl: float
    counts: np.ndarray

    def to_dict(self):
        """Plain Python types for JSON (NaN becomes None)."""
        kl = None if math.isnan(self.reverse_kl) else float(self.reverse_kl)
        return {"modes_captured": int(self.modes_captured), "num_modes": int(self.num_modes),
                "high_quality_fraction": float(self.high_quality_fraction), "reverse_kl": kl,
                "counts": [int(c) for c in self.counts]}


def nearest_mode(samples, modes):
    """Index of the nearest centre and the distance to it: samples (N, d), modes (K, d) -> (N,), (N,),
    on the arrays' device."""
    xp = get_array_module(samples, modes)
    sq_dist = ((samples[:, None, :] - modes[None, :, :]) ** 2).sum(-1)  # (N, K)
    index = sq_dist.argmin(axis=1)
    return index, xp.sqrt(sq_dist[xp.arange(len(samples)), index])


def reverse_kl_to_uniform(counts):
    """KL(p || uniform) of the histogram ``counts`` (K,), zero counts adding 0; NaN if all are 0."""
    counts = to_numpy(counts).astype(np.float64)
    total = counts.sum()
    if total == 0:
        return float("nan")
    p = counts[counts > 0] / total
    return float(np.sum(p * np.log(p * len(counts))))


def mode_metrics(samples, modes, std, threshold=THRESHOLD, min_count=1):
    """Score generated ``samples`` (N, d) against centres ``modes`` (K, d) of shared ``std``.

    A point is high quality when its nearest centre is closer than ``threshold * std``;
    a mode is captured when at least ``min_count`` high-quality points are nearest to it.
    """
    samples = to_numpy(samples).astype(np.float64)             # scored on the host, in float64
    modes = to_numpy(modes).astype(np.float64)
    if samples.ndim != 2 or modes.ndim != 2 or samples.shape[1] != modes.shape[1]:
        raise ValueError(f"need samples (N, d) and modes (K, d), got {samples.shape} and {modes.shape}")
    if len(samples) == 0:
        raise ValueError("need at least one sample")
    index, dist = nearest_mode(samples, modes)
    good = dist < threshold * std
    counts = np.bincount(index[good], minlength=len(modes))
    return ModeReport(modes_captured=int((counts >= min_count).sum()), num_modes=len(modes),
                      high_quality_fraction=float(good.mean()),
                      reverse_kl=reverse_kl_to_uniform(counts), counts=counts)


def evaluate_modes(sample, toy, num_samples=NUM_SAMPLES, threshold=THRESHOLD, min_count=1):
    """Draw ``sample(num_samples)`` (a callable n -> (n, d) array, e.g. a trained generator)
    and score it against the ``modes`` and ``std`` of the mixture ``toy``."""
    return mode_metrics(sample(num_samples), toy.modes, toy.std, threshold, min_count)
