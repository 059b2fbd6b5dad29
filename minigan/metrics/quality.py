"""Image quality scores from a classifier's view: Frechet distance, classifier score, class histogram.

There is no Inception network here, so minigan scores images with its own Fashion-MNIST
classifier (``minigan.models.classifier``): the same recipe as FID (Heusel et al. 2017) and
the Inception Score (Salimans et al. 2016), with that classifier in Inception's place. The
numbers compare runs scored by the same classifier, not with published FID/IS values.

Frechet distance between Gaussians fitted to two feature sets (means mu, covariances S):
    FD = |mu_1 - mu_2|^2 + tr(S_1 + S_2 - 2 (S_1^{1/2} S_2 S_1^{1/2})^{1/2})
The matrix square roots are taken from symmetric eigendecompositions: S_1^{1/2} = V sqrt(L) V^T,
and tr(M^{1/2}) = sum sqrt(eig(M)) for the symmetric PSD M = S_1^{1/2} S_2 S_1^{1/2}; negative
eigenvalues from rounding are clipped to 0. No SciPy needed.

Classifier score: exp(E_x KL(p(y|x) || p(y))), p(y) the mean of p(y|x) over the samples.
It is 1 when every image gets the same prediction and at most K (10) when predictions are
confident and all classes equally frequent.
"""
import numpy as np

from ..backend import to_numpy


def _sqrt_psd(S):
    values, vectors = np.linalg.eigh(S)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def gaussian_stats(features):
    """(mean, covariance) of features (N, d), in float64."""
    f = to_numpy(features).astype(np.float64).reshape(len(features), -1)
    return f.mean(axis=0), np.cov(f, rowvar=False)


def frechet_distance(stats_1, stats_2):
    """Frechet distance between two (mean, covariance) pairs."""
    (mu1, S1), (mu2, S2) = stats_1, stats_2
    root1 = _sqrt_psd(S1)
    middle = root1 @ S2 @ root1
    middle = (middle + middle.T) / 2                       # symmetric up to rounding; make it exact
    trace_root = np.sqrt(np.clip(np.linalg.eigvalsh(middle), 0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(S1) + np.trace(S2) - 2 * trace_root)


def classifier_score(probs, eps=1e-12):
    """exp(mean_n KL(p(y|x_n) || p(y))) for class probabilities probs (N, K)."""
    p = to_numpy(probs).astype(np.float64)
    marginal = p.mean(axis=0, keepdims=True)
    kl = (p * (np.log(p + eps) - np.log(marginal + eps))).sum(axis=1)
    return float(np.exp(kl.mean()))


def class_histogram(probs):
    """Fraction of samples predicted as each class (argmax), shape (K,)."""
    p = to_numpy(probs)
    return np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p)
