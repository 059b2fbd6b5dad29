"""Toy distributions for watching a GAN learn (or collapse) in one and two dimensions.

Every sampler is a small object built from its parameters::

    toy = get_toy("ring")                  # 8 Gaussians on a circle of radius 2, std 0.02
    x = toy.sample(512, rng)               # (512, 2) float32; rng a Generator or an int seed

The mixtures are isotropic Gaussian mixtures with shared standard deviation sigma:

    p(x) = sum_k w_k N(x; mu_k, sigma^2 I),     w_k = 1/K unless weights are given,

sampled by drawing a component k ~ Categorical(w) and then x = mu_k + sigma * z, z ~ N(0, I).
They keep ``modes`` (the centres mu_k, shape (K, d)), ``weights`` (K,) and ``std`` so that
``minigan.metrics.modes`` can score generated points against them, and ``density(x)``,
the true pdf (used for plots of the 1-D ones).
"""
import numpy as np

from ..backend import to_numpy
from ..nn.module import as_generator


class GaussianMixture:
    """Isotropic Gaussian mixture: centres ``modes`` (K, d), shared ``std``, ``weights`` (K,)."""

    def __init__(self, modes, std, weights=None):
        self.modes = np.atleast_2d(np.asarray(modes, dtype=np.float64))
        self.std = float(std)
        if self.std <= 0:
            raise ValueError(f"std must be positive, got {std}")
        k = len(self.modes)
        self.weights = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, dtype=np.float64)
        if self.weights.shape != (k,) or np.any(self.weights < 0) or self.weights.sum() <= 0:
            raise ValueError(f"weights must be {k} non-negative numbers, got {weights}")
        self.weights = self.weights / self.weights.sum()

    @property
    def dim(self):
        return self.modes.shape[1]

    def sample(self, n, rng=None):
        """n points, (n, d) float32: a component k ~ w, then mu_k + std * N(0, I)."""
        rng = as_generator(rng)
        k = rng.choice(len(self.modes), size=n, p=self.weights)
        z = rng.standard_normal((n, self.dim))
        return (self.modes[k] + self.std * z).astype(np.float32)

    def density(self, x):
        """p(x) = sum_k w_k (2 pi s^2)^(-d/2) exp(-|x - mu_k|^2 / (2 s^2)); x: (n, d) or (n,) if d = 1,
        on either device; the densities come back as a NumPy array."""
        x = to_numpy(x).astype(np.float64).reshape(-1, self.dim)
        sq_dist = ((x[:, None, :] - self.modes[None, :, :]) ** 2).sum(-1)  # (n, K)
        norm = (2 * np.pi * self.std ** 2) ** (-self.dim / 2)
        return norm * np.exp(-sq_dist / (2 * self.std ** 2)) @ self.weights


class Gaussian(GaussianMixture):
    """1-D Gaussian N(mean, std^2): a mixture with one mode."""

    def __init__(self, mean=0.0, std=1.0):
        super().__init__([[mean]], std)
        self.mean = float(mean)


class Bimodal(GaussianMixture):
    """1-D mixture of two Gaussians at ``means`` with shared ``std``."""

    def __init__(self, means=(-2.0, 2.0), std=0.5, weights=None):
        super().__init__(np.asarray(means, dtype=np.float64).reshape(-1, 1), std, weights)


class Ring(GaussianMixture):
    """``num_modes`` Gaussians evenly on a circle: mu_k = radius (cos 2 pi k/K, sin 2 pi k/K)."""

    def __init__(self, num_modes=8, radius=2.0, std=0.02, weights=None):
        angles = 2 * np.pi * np.arange(num_modes) / num_modes
        super().__init__(radius * np.stack([np.cos(angles), np.sin(angles)], axis=1), std, weights)
        self.radius = float(radius)


class Grid(GaussianMixture):
    """``size`` x ``size`` Gaussians on a grid centred at 0, ``spacing`` apart (5x5: -4, -2, 0, 2, 4)."""

    def __init__(self, size=5, spacing=2.0, std=0.05, weights=None):
        axis = spacing * (np.arange(size) - (size - 1) / 2)
        xs, ys = np.meshgrid(axis, axis, indexing="ij")
        super().__init__(np.stack([xs.ravel(), ys.ravel()], axis=1), std, weights)
        self.spacing = float(spacing)


class Spiral:
    """Archimedean spiral with Gaussian noise, no modes.

        theta = 2 pi turns sqrt(u),  u ~ U(0, 1)    (sqrt: points roughly even along the arc)
        x = radius (theta / (2 pi turns)) (cos theta, sin theta) + noise * N(0, I)
    """

    dim = 2

    def __init__(self, turns=1.5, radius=2.0, noise=0.05):
        self.turns, self.radius, self.noise = float(turns), float(radius), float(noise)

    def sample(self, n, rng=None):
        """n points, (n, 2) float32."""
        rng = as_generator(rng)
        max_theta = 2 * np.pi * self.turns
        theta = max_theta * np.sqrt(rng.random(n))
        r = self.radius * theta / max_theta
        x = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
        return (x + self.noise * rng.standard_normal((n, 2))).astype(np.float32)


TOYS = {"gaussian": Gaussian, "bimodal": Bimodal, "ring": Ring, "grid": Grid, "spiral": Spiral}


def get_toy(name, **kwargs):
    """Build the toy distribution called ``name`` (a key of TOYS) with constructor ``kwargs``."""
    try:
        cls = TOYS[name]
    except KeyError:
        raise ValueError(f"unknown toy distribution {name!r}: expected one of {', '.join(TOYS)}") from None
    return cls(**kwargs)
