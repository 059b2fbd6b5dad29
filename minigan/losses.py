"""GAN losses on the discriminator's logits, each returning ``(value, gradient)``.

Label convention, used everywhere in minigan: real = 1, fake = 0. The discriminator's
last layer outputs a logit l (no sigmoid); D(x) = sigmoid(l) is the probability "real".

Every loss is a mean over the batch. The discriminator side returns
``(value, (dreal, dfake))``, the gradients with respect to the real and fake logits;
the generator side returns ``(value, dfake)``.

Stable forms: -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l),
with softplus(l) = log(1 + e^l) = logaddexp(0, l); d softplus(l)/dl = sigmoid(l).
No sigmoid is ever followed by a log.

  name             discriminator minimises                       generator minimises
  minimax          softplus(-l_r) + softplus(l_f)                -softplus(l_f)  (= log(1 - D(G(z))))
  non-saturating   softplus(-l_r) + softplus(l_f)                softplus(-l_f)  (= -log D(G(z)))
  least-squares    1/2 (l_r - 1)^2 + 1/2 l_f^2                   1/2 (l_f - 1)^2
  hinge            relu(1 - l_r) + relu(1 + l_f)                 -l_f
  wasserstein      l_f - l_r                                     -l_f

``real_label`` below 1 gives one-sided label smoothing (Salimans et al. 2016) for the
losses built on the cross-entropy. It is kept as a Python float: a NumPy float64 scalar
would promote float32 logits and their gradients to float64 (NumPy 2 and CuPy alike).
"""
from .backend import finite_flag, get_array_module
from .nn.activations import sigmoid


def softplus(x):
    return get_array_module(x).logaddexp(0, x)


def binary_cross_entropy_with_logits(logits, target):
    """mean(-t log sigmoid(l) - (1 - t) log(1 - sigmoid(l))) = mean(t softplus(-l) + (1 - t) softplus(l));
    gradient (sigmoid(l) - t) / N.

    The equal form softplus(l) - t l would cancel for confident logits (l = 36, t = 1 gives 0
    instead of 2.3e-16); each softplus term here keeps its full relative precision.

    ``target``: a number, or an array of the logits' shape (it is never broadcast into a
    larger result: (4, 1) logits against (4,) targets are refused)."""
    if getattr(target, "ndim", 0) and tuple(target.shape) != tuple(logits.shape):
        raise ValueError(f"targets of shape {tuple(target.shape)} do not match logits of shape "
                         f"{tuple(logits.shape)}; reshape them to the logits' shape")
    n = logits.size
    value = (target * softplus(-logits) + (1 - target) * softplus(logits)).sum() / n
    return value, (sigmoid(logits) - target) / n


def softmax_cross_entropy(logits, labels):
    """Classification loss: mean_n -log softmax(l_n)[y_n], with log softmax = l - logsumexp(l).

    logits (N, K), labels (N,) integers in [0, K). Gradient: (softmax(l) - onehot(y)) / N.
    """
    xp = get_array_module(logits)
    check_labels(logits, labels)
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)          # logsumexp without overflow
    log_probs = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
    rows = xp.arange(n)
    value = -log_probs[rows, labels].sum() / n
    dlogits = xp.exp(log_probs)
    dlogits[rows, labels] -= 1
    return value, dlogits / n


def check_labels(logits, labels):
    """labels: N integers in [0, K) for (N, K) logits; else ValueError saying what is wrong
    (a label of -1 would silently pick the last class)."""
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (N, K), got {tuple(logits.shape)}")
    n, k = logits.shape
    if getattr(labels, "shape", None) != (n,):
        raise ValueError(f"labels must have shape ({n},) for logits of shape {tuple(logits.shape)}, got "
                         f"{getattr(labels, 'shape', type(labels).__name__)}")
    if labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers (class indices), got dtype {labels.dtype}")
    if n and not (0 <= int(labels.min()) and int(labels.max()) < k):
        raise ValueError(f"labels must lie in [0, {k}), got values from {int(labels.min())} to "
                         f"{int(labels.max())}")


def check_logits(*arrays):
    """Logits must be non-empty floating-point arrays of finite values; raise ValueError saying which.
    Finiteness is read back once for all of them (one wait for the GPU, not one per array)."""
    for logits in arrays:
        if not hasattr(logits, "dtype") or logits.dtype.kind != "f":
            raise ValueError(f"logits must be a floating-point array, got {getattr(logits, 'dtype', type(logits))}")
        if logits.size == 0:
            raise ValueError(f"logits are empty (shape {tuple(logits.shape)})")
    if not bool(finite_flag(arrays)):
        raise ValueError("logits hold non-finite values (NaN or inf): the discriminator diverged or its input "
                         "was not finite")


class GANLoss:
    """The discriminator's loss is a sum of a term on real logits and a term on fake logits,
    so a trainer can run D forward and backward on the real batch, then on the fake batch
    (each layer caches only its last forward), as PyTorch's DCGAN example does.

    Subclasses write the math in ``real_term``, ``fake_term`` and ``generator_term``; the
    public methods below check their input first (check_logits). The trainer calls the
    terms directly: its guard (minigan.gan.guards) checks losses and gradients itself.
    """
    name = ""

    def real_term(self, real_logits):
        raise NotImplementedError

    def fake_term(self, fake_logits):
        raise NotImplementedError

    def generator_term(self, fake_logits):
        raise NotImplementedError

    def discriminator_real(self, real_logits):
        check_logits(real_logits)
        return self.real_term(real_logits)

    def discriminator_fake(self, fake_logits):
        check_logits(fake_logits)
        return self.fake_term(fake_logits)

    def discriminator(self, real_logits, fake_logits):
        """(value, (dreal, dfake)) for D's whole loss."""
        check_logits(real_logits, fake_logits)
        real_value, dreal = self.real_term(real_logits)
        fake_value, dfake = self.fake_term(fake_logits)
        return real_value + fake_value, (dreal, dfake)

    def generator(self, fake_logits):
        """(value, dfake) for G's loss."""
        check_logits(fake_logits)
        return self.generator_term(fake_logits)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Minimax(GANLoss):
    """The original GAN objective (Goodfellow et al. 2014): G minimises log(1 - D(G(z))).
    Its gradient vanishes when D confidently rejects fakes, early in training."""
    name = "minimax"

    def __init__(self, real_label=1.0):
        self.real_label = float(real_label)

    def real_term(self, real_logits):
        return binary_cross_entropy_with_logits(real_logits, self.real_label)

    def fake_term(self, fake_logits):
        return binary_cross_entropy_with_logits(fake_logits, 0.0)

    def generator_term(self, fake_logits):
        n = fake_logits.size
        return -softplus(fake_logits).sum() / n, -sigmoid(fake_logits) / n


class NonSaturating(Minimax):
    """G maximises log D(G(z)) instead: same fixed point, strong gradients early on."""
    name = "non-saturating"

    def generator_term(self, fake_logits):
        return binary_cross_entropy_with_logits(fake_logits, 1.0)


class LeastSquares(GANLoss):
    """LSGAN (Mao et al. 2017) with targets a = 0 (fake), b = c = 1 (real), on raw outputs."""
    name = "least-squares"

    def __init__(self, real_label=1.0):
        self.real_label = float(real_label)

    def real_term(self, real_logits):
        r = real_logits - self.real_label
        return 0.5 * (r * r).sum() / r.size, r / r.size

    def fake_term(self, fake_logits):
        n = fake_logits.size
        return 0.5 * (fake_logits * fake_logits).sum() / n, fake_logits / n

    def generator_term(self, fake_logits):
        n = fake_logits.size
        f = fake_logits - 1
        return 0.5 * (f * f).sum() / n, f / n


class Hinge(GANLoss):
    """Hinge loss (Lim & Ye 2017, used by SAGAN/BigGAN); its subgradient at the kink is 0."""
    name = "hinge"

    def real_term(self, real_logits):
        margin = 1 - real_logits
        active = (margin > 0).astype(margin.dtype)
        return (margin * active).sum() / margin.size, -active / margin.size

    def fake_term(self, fake_logits):
        margin = 1 + fake_logits
        active = (margin > 0).astype(margin.dtype)
        return (margin * active).sum() / margin.size, active / margin.size

    def generator_term(self, fake_logits):
        n = fake_logits.size
        return -fake_logits.sum() / n, -get_array_module(fake_logits).ones_like(fake_logits) / n


class Wasserstein(Hinge):
    """WGAN (Arjovsky et al. 2017): the critic maximises E[l_r] - E[l_f]; needs a Lipschitz
    critic (weight clipping in the trainer, or a gradient penalty). G's side equals hinge's."""
    name = "wasserstein"

    def real_term(self, real_logits):
        n = real_logits.size
        return -real_logits.sum() / n, -get_array_module(real_logits).ones_like(real_logits) / n

    def fake_term(self, fake_logits):
        n = fake_logits.size
        return fake_logits.sum() / n, get_array_module(fake_logits).ones_like(fake_logits) / n


LOSSES = {cls.name: cls for cls in (Minimax, NonSaturating, LeastSquares, Hinge, Wasserstein)}


def get_loss(name, **kwargs):
    """A loss by name: one of minimax, non-saturating, least-squares, hinge, wasserstein."""
    try:
        return LOSSES[name](**kwargs)
    except KeyError:
        raise ValueError(f"unknown loss {name!r}: expected one of {', '.join(LOSSES)}") from None
