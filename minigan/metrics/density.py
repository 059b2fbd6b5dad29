"""How close a 1-D generated sample is to the data: histogram KL and the fitted mean and std.

Both samples are binned on the same B equal-width bins spanning the smallest to the largest
value of either sample. With n_b, m_b the data and generated counts in bin b,

    p_b = (n_b / N + eps) / Z_p,    q_b = (m_b / M + eps) / Z_q,    Z = sum_b (. + eps) = 1 + B eps
    KL(p || q) = sum_b p_b log(p_b / q_b)

The smoothing eps (1e-6 by default) keeps the KL finite when the generator puts no mass in a
bin that holds data (the collapsed case): such a bin then costs about p_b log(p_b / eps).
The fit is the Gaussian maximum likelihood one: mean = (1/M) sum x_i,
std = sqrt((1/M) sum (x_i - mean)^2).
"""
import numpy as np

from ..backend import to_numpy

BINS = 50
EPS = 1e-6


def _as_1d(x, name):
    x = np.asarray(to_numpy(x), dtype=np.float64)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1 or len(x) == 0:
        raise ValueError(f"{name} must be a non-empty (n,) or (n, 1) array, got shape {x.shape}")
    return x


def shared_histograms(data, generated, bins=BINS, eps=EPS):
    """Smoothed probabilities p (data) and q (generated), each (bins,), and the bin edges (bins + 1,)."""
    data, generated = _as_1d(data, "data"), _as_1d(generated, "generated")
    low = min(data.min(), generated.min())
    high = max(data.max(), generated.max())
    edges = np.linspace(low, high, bins + 1) if high > low else np.linspace(low - 0.5, high + 0.5, bins + 1)
    p = np.histogram(data, edges)[0] / len(data) + eps
    q = np.histogram(generated, edges)[0] / len(generated) + eps
    return p / p.sum(), q / q.sum(), edges


def histogram_kl(data, generated, bins=BINS, eps=EPS):
    """KL(p_data || q_generated) between the smoothed histograms on shared bins (nats, >= 0)."""
    p, q, _ = shared_histograms(data, generated, bins, eps)
    return float(np.sum(p * np.log(p / q)))


def fit_normal(x):
    """Maximum-likelihood Gaussian fit of a 1-D sample: (mean, std)."""
    x = _as_1d(x, "x")
    return float(x.mean()), float(x.std())


def density_metrics(data, generated, bins=BINS, eps=EPS):
    """Histogram KL(data || generated) and the fitted mean and std of both samples, as a dict."""
    mean, std = fit_normal(generated)
    data_mean, data_std = fit_normal(data)
    return {"histogram_kl": histogram_kl(data, generated, bins, eps), "mean": mean, "std": std,
            "data_mean": data_mean, "data_std": data_std}
