"""The best discriminator for a fixed generator, and the divergence the game then measures (1-D).

Goodfellow et al. (2014), Proposition 1 and Theorem 1. For a fixed G the discriminator that
maximises the game's value

    V(D, G) = E_{x ~ p_data} log D(x) + E_{x ~ p_g} log(1 - D(x))

is, point by point (maximise a log y + b log(1 - y) over y: y = a / (a + b)),

    D*(x) = p_data(x) / (p_data(x) + p_g(x)),

and at it the value is a Jensen-Shannon divergence:

    V(D*, G) = -log 4 + 2 JSD(p_data || p_g),
    JSD(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m),   m = (p + q) / 2,   0 <= JSD <= log 2.

So D's loss, -V(D, G), never falls below log 4 - 2 JSD: (log 4 - D's loss) / 2 is a lower bound
of the JSD that D reaches when it is optimal. JSD = 0 only when p_g = p_data, and then D* = 1/2.

Densities are given on a grid xs (m,) of increasing points and integrated by the trapezoid
rule. Where both densities vanish D* is undefined; it is taken as 1/2 there.
"""
import math

import numpy as np


def optimal_discriminator(p_data, p_g):
    """D*(x) = p_data / (p_data + p_g) for densities on the same points: (m,), (m,) -> (m,)."""
    p_data, p_g = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def jensen_shannon(p, q, xs):
    """JSD(p || q) in nats of two densities on the grid xs, each renormalised to integrate to 1
    over it: 1/2 int p log(2p / (p + q)) + 1/2 int q log(2q / (p + q)), with 0 log 0 = 0."""
    xs = np.asarray(xs, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64) / np.trapezoid(p, xs)
    q = np.asarray(q, dtype=np.float64) / np.trapezoid(q, xs)
    m = (p + q) / 2

    def kl_to_m(a):
        terms = np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0) / np.where(m > 0, m, 1.0)), 0.0)
        return np.trapezoid(terms, xs)

    return float(min(max(0.5 * kl_to_m(p) + 0.5 * kl_to_m(q), 0.0), math.log(2)))


def value_at_optimum(jsd):
    """V(D*, G) = -log 4 + 2 JSD(p_data || p_g)."""
    return -math.log(4) + 2 * jsd


def jsd_lower_bound(d_loss):
    """(log 4 - D's loss) / 2 <= JSD: what a discriminator with this cross-entropy loss
    (-V(D, G), minigan's minimax and non-saturating D loss) has shown of the divergence."""
    return (math.log(4) - d_loss) / 2


def distance_from_optimal(d, d_star, p_data, xs):
    """E_{x ~ p_data} |D(x) - D*(x)|: how far D is from D* where the data lie (trapezoid rule
    on the grid xs; D, D* and p_data given at its points)."""
    gap = np.abs(np.asarray(d, dtype=np.float64) - np.asarray(d_star, dtype=np.float64))
    return float(np.trapezoid(p_data * gap, xs) / np.trapezoid(p_data, xs))
