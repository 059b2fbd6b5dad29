"""What D tells G: where G's loss pushes each generated sample, and how hard it pushes G's weights.

    push = sample_push(D, x, "non-saturating")             # -dL_G/dx, (N, d): arrows on the 2-D frames
    norm = generator_gradient_norm(G, D, z, "minimax")     # ||dL_G/dtheta_G||: vanishing gradients

L_G is the generator's term of a minigan loss (minigan.losses), a mean over the batch:

    minimax         L_G = -mean softplus(l)       dL_G/dl_n = -sigmoid(l_n) / N = -D(x_n) / N
    non-saturating  L_G =  mean softplus(-l)      dL_G/dl_n = -(1 - D(x_n)) / N
    wasserstein     L_G = -mean l                 dL_G/dl_n = -1 / N

so dL_G/dx_n = dL_G/dl_n * dl_n/dx_n, and the chain rule goes on through G: dL_G/dtheta_G =
sum_n (dx_n/dtheta_G)^T dL_G/dx_n. Under the minimax loss every sample's push is scaled by
D(x_n): when D rejects the fakes confidently (D(x_n) -> 0) G's gradient vanishes, whatever
the slope of D's logit. The non-saturating loss scales it by 1 - D(x_n) -> 1 instead
(Goodfellow et al. 2014, section 3; Arjovsky & Bottou 2017, section 2.2).

Both functions run the library's own backward passes: D.backward for dx (D's weights get no
gradient: requires_grad is off during the call and restored after), G.backward for dtheta_G.
They run D in its current mode, as G's step does. A D that mixes samples (mini-batch
discrimination, packing) pushes each sample by the company of the batch it is given.
"""
from ..backend import get_array_module
from ..losses import get_loss


def _loss(loss):
    return get_loss(loss) if isinstance(loss, str) else loss


def sample_push(D, x, loss):
    """-dL_G/dx: the direction and relative size of the move D's gradient asks of each sample
    of the batch x (N, ...), same shape as x. ``loss``: a minigan loss or its name."""
    flags = [(m, m.requires_grad, m.needs_input_grad) for m in D.modules()]
    D.requires_grad_(False)
    D.needs_input_grad = True
    try:
        _, dlogits = _loss(loss).generator_term(D.forward(x))
        return -D.backward(dlogits)
    finally:
        for m, requires_grad, needs_input_grad in flags:
            m.requires_grad, m.needs_input_grad = requires_grad, needs_input_grad


def generator_gradient_norm(G, D, z, loss):
    """||dL_G/dtheta_G||_2 over all of G's parameters for the noise batch z, through D.
    Overwrites G.grads (zeroed first); D's gradients are untouched. Returns a float."""
    G.zero_grad()
    x = G.forward(z)
    G.backward(-sample_push(D, x, loss))
    grads = list(G.grads.values())
    xp = get_array_module(grads[0])
    return float(xp.sqrt(sum((g.astype(xp.float64) ** 2).sum() for g in grads)))
