"""Gradient penalties on the critic's input gradient, with exact gradients for its parameters.

    WGAN-GP (Gulrajani et al. 2017):  P = lam mean_n (||g_n|| - 1)^2     at x_hat = alpha x_real + (1 - alpha) x_fake
    R1 (Mescheder et al. 2018):       P = gamma/2 mean_n ||g_n||^2        at x_real
    g_n = dD(x_n)/dx_n, the critic's gradient at sample n; alpha ~ U(0, 1), one per sample.

g depends on D's parameters theta, so dP/dtheta differentiates a backward pass:
    1. y = D.forward(x)
    2. g = D.backward(ones)          requires_grad off: this pass adds nothing to D.grads
    3. ddg = dP/dg                    the penalty's own derivative, below
    4. D.backward_backward(ddg)       adds dP/dtheta into D.grads (minigan/nn/sequential.py)

g_n must depend on x_n alone, so the critic must not mix samples: LayerNorm, not batch norm,
and no minibatch discrimination. Both penalties ADD into D.grads, like a backward pass, so
they sum with the critic loss's gradients of the same step.
"""
from ..backend import as_array_like, get_array_module

PENALTIES = ("gp", "r1")


def gradient_penalty(D, real, fake, rng, lam=10.0):
    """WGAN-GP on random interpolates of real and fake: (value, per-sample norms ||g_n||).

    d/dg (||g|| - 1)^2 = 2 (||g|| - 1) g / ||g||, so ddg_n = lam 2 (||g_n|| - 1) g_n / (N ||g_n||).
    """
    if real.shape != fake.shape:
        raise ValueError(f"real and fake batches differ in shape: {tuple(real.shape)} vs {tuple(fake.shape)}")
    alpha = as_array_like(rng.uniform(size=(real.shape[0],) + (1,) * (real.ndim - 1)), real)
    x_hat = alpha * real + (1 - alpha) * fake

    def penalty(g, norms):
        n = g.shape[0]
        xp = get_array_module(g)
        scale = xp.where(norms > 0, 2 * lam * (norms - 1) / (n * xp.maximum(norms, 1e-30)), 0)
        return lam * float(((norms - 1) ** 2).mean()), g * per_sample(scale, g)

    return _penalise(D, x_hat, penalty)


def r1_penalty(D, real, gamma=10.0):
    """R1 on the real batch: (value, per-sample norms). d/dg ||g||^2 / 2 = g, so ddg = gamma g / N."""
    def penalty(g, norms):
        return gamma / 2 * float((norms * norms).mean()), g * (gamma / g.shape[0])

    return _penalise(D, real, penalty)


def apply_penalty(D, kind, weight, real, fake, rng):
    """The trainer's entry point: kind "gp" (weight = lam) or "r1" (weight = gamma)."""
    if kind == "gp":
        return gradient_penalty(D, real, fake, rng, lam=weight)
    if kind == "r1":
        return r1_penalty(D, real, gamma=weight)
    raise ValueError(f"unknown penalty {kind!r}: expected one of {', '.join(PENALTIES)} or None")


def per_sample(v, like):
    """(N,) -> (N, 1, ..., 1): broadcasts one value per sample over ``like``'s other axes."""
    return v.reshape((-1,) + (1,) * (like.ndim - 1))


def _penalise(D, x, penalty):
    """Steps 1-4 above; ``penalty(g, norms) -> (value, ddg)``. Returns (value, norms)."""
    requires = [m.requires_grad for m in D.modules()]
    needs_input_grad = D.needs_input_grad
    D.needs_input_grad = True
    try:
        y = D.forward(x)
        D.requires_grad_(False)
        g = D.backward(get_array_module(y).ones_like(y))           # (N, ...) like x
        for m, flag in zip(D.modules(), requires):
            m.requires_grad = flag
        norms = get_array_module(g).sqrt((g * g).reshape(g.shape[0], -1).sum(axis=1))
        value, ddg = penalty(g, norms)
        D.backward_backward(ddg)
    finally:
        for m, flag in zip(D.modules(), requires):
            m.requires_grad = flag
        D.needs_input_grad = needs_input_grad
    return value, norms
