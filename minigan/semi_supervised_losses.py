"""The losses of the semi-supervised GAN's K+1-class discriminator (Salimans et al. 2016,
section 5; Odena 2016), on logits, each returning ``(value, dlogits)``.

Label convention, stated once: D outputs K logits l = (l_1 .. l_K) (N, K), one per real class;
the (K+1)-th class, "fake", has its logit fixed at 0. Then, with Z = sum_k e^{l_k},

    p(y = k | x) = e^{l_k} / (Z + 1)          p(fake | x) = 1 / (Z + 1)
    D(x) = p(real | x) = Z / (Z + 1) = sigmoid(s),    s = logsumexp(l) = log Z

so s is the logit of "real" in minigan's usual convention (real = 1, fake = 0; losses.py) and
the unsupervised terms are the GAN's binary cross-entropy on s. Class k is ``labels == k``,
integers in [0, K); argmax_k l_k is D's prediction.

Why the fake logit is fixed at 0: softmax over K+1 logits does not change when one constant is
added to all of them, so one of the K+1 is redundant; fixing the fake one at 0 removes that
freedom without losing any distribution (Salimans et al.). D is then an ordinary K-class
classifier with no extra output, and the very same network trained on the labels alone is the
fair supervised baseline.

Each term is a mean over its own batch (N rows), with s_n = logsumexp(l_n):

  term                 minimises                                   dL/dl_n
  labelled (x, y)      -log p(y | x, real) = s - l_y                (softmax(l_n) - onehot(y_n)) / N
  unlabelled real x    -log D(x)           = softplus(-s)           -sigmoid(-s_n) softmax(l_n) / N
  fake G(z)            -log(1 - D(G(z)))   = softplus(s)             sigmoid(s_n) softmax(l_n) / N

using ds/dl = softmax(l) and d softplus(u)/du = sigmoid(u). The labelled term is the cross-
entropy over the K real classes given that x is real, as in Salimans et al.'s code (the K+1-way
form -log p(y | x) = softplus(s) - l_y would also push labelled images towards "real", which the
unlabelled term already does). Stable forms: s = m + log sum_k e^{l_k - m} with m = max_k l_k,
softmax = e^{l - s}, softplus(u) = logaddexp(0, u), sigmoid(u) = exp(-softplus(-u)); nothing
is exponentiated above 0 and no sigmoid is followed by a log.

D's loss in a step is labelled + w (unlabelled + fake); Salimans et al. take w = 1/2.
G is trained by feature matching on an intermediate layer of D
(``minigan.gan.stabilisers.feature_matching_loss``), not by these terms.
"""
from .backend import get_array_module
from .losses import softmax_cross_entropy, softplus
from .nn.activations import sigmoid


def logsumexp(logits):
    """s_n = log sum_k e^{l_nk} for logits (N, K), as (N,), without overflow."""
    xp = get_array_module(logits)
    peak = logits.max(axis=1, keepdims=True)
    return (peak + xp.log(xp.exp(logits - peak).sum(axis=1, keepdims=True)))[:, 0]


def real_logit(logits):
    """The logit of "real", s = logsumexp(l), (N,): D(x) = sigmoid(s)."""
    return logsumexp(logits)


def _softmax(logits, s):
    return get_array_module(logits).exp(logits - s[:, None])


def labelled_term(logits, labels):
    """mean_n s_n - l_{n, y_n}: cross-entropy over the K real classes. Returns (value, dlogits)."""
    return softmax_cross_entropy(logits, labels)


def unlabelled_term(logits):
    """mean_n softplus(-s_n) = -log D(x) on real images without labels. Returns (value, dlogits)."""
    n = logits.shape[0]
    s = logsumexp(logits)
    ds = -sigmoid(-s) / n
    return softplus(-s).sum() / n, ds[:, None] * _softmax(logits, s)


def fake_term(logits):
    """mean_n softplus(s_n) = -log(1 - D(G(z))) on G's images. Returns (value, dlogits)."""
    n = logits.shape[0]
    s = logsumexp(logits)
    ds = sigmoid(s) / n
    return softplus(s).sum() / n, ds[:, None] * _softmax(logits, s)


def discriminator_loss(labelled_logits, labels, unlabelled_logits, fake_logits, unsupervised_weight=0.5):
    """D's whole loss, labelled + w (unlabelled + fake).

    Returns (value, (dlabelled, dunlabelled, dfake)), each gradient in its logits' shape. A
    trainer whose layers cache one forward at a time calls the three terms one pass each."""
    w = float(unsupervised_weight)        # a Python float keeps float32 logits in float32
    lab_value, dlab = labelled_term(labelled_logits, labels)
    unl_value, dunl = unlabelled_term(unlabelled_logits)
    fake_value, dfake = fake_term(fake_logits)
    return lab_value + w * (unl_value + fake_value), (dlab, w * dunl, w * dfake)
