"""The truncation trick (Brock et al. 2019, BigGAN): draw a trained G's codes from a truncated
normal to trade variety for fidelity.

G was trained on z ~ N(0, I). Codes far out in the tails are the ones G saw least, and they
give its least typical images. Drawing each component of z from N(0, 1) restricted to
[-t, t] (every component outside is drawn again until it falls inside) keeps G near the
middle of its latent space:

    t = inf     the training distribution: full variety
    t = 2       about 5% of components redrawn; images a little more typical
    t -> 0      every z near 0: one average image per class

Fidelity (a classifier's confidence, the share of a conditional G's images of the class
asked for) rises as t falls, and variety (the Frechet distance to real images, which counts
it) falls with it. No retraining: it changes only how the codes are drawn.

Truncated to [-t, t], a standard normal component has variance

    1 - 2 t phi(t) / (2 Phi(t) - 1)        (phi, Phi: the standard normal density and CDF)

which the tests check the draws against.
"""
import numpy as np

MIN_THRESHOLD = 0.01      # below it every code is ~0 anyway, and redrawing takes ~1/t rounds


def truncated_normal(rng, shape, threshold):
    """float64 array of ``shape`` from N(0, 1) restricted to [-threshold, threshold], by redrawing.

    With threshold None the plain normal draw (the same numbers as rng.standard_normal(shape)).
    A component beyond the threshold is redrawn from the same rng until it falls inside, so
    the components already inside keep the values the untruncated draw gave them.
    """
    z = rng.standard_normal(shape)
    if threshold is None:
        return z
    threshold = float(threshold)
    if not threshold >= MIN_THRESHOLD:
        raise ValueError(f"truncation threshold must be at least {MIN_THRESHOLD}, got {threshold}")
    outside = np.abs(z) > threshold
    while outside.any():      # each round leaves a share P(|z| > t) outside: 5% at t = 2, 92% at t = 0.1
        z[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(z) > threshold
    return z
