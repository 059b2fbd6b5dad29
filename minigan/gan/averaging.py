"""An exponential moving average of the generator's weights, the network that draws the samples.

    theta_avg <- beta_t theta_avg + (1 - beta_t) theta          after every generator step
    beta_t     = min(beta, (1 + t) / (10 + t))                  t: updates so far (0, 1, 2, ...)

A GAN's generator keeps circling around the equilibrium instead of settling in it: each D
step moves the target, so the last iterate of G is a noisy point on that orbit. Averaging
the iterates cancels the orbit's oscillation (Yazici et al. 2019, "The unusual effectiveness
of averaging in GAN training"); Karras et al. (2018, progressive GANs) and most later image
GANs draw their samples from such an average (beta = 0.999). The average never trains: the
game is played by G, the average only watches. The warm-up beta_t lets the first updates
count more, so the average does not drag the random initial weights along for thousands
of steps.

Buffers (batch norm's running statistics) are copied, not averaged: they belong to G's
current weights. Before the average draws in eval mode, ``recalibrate_batch_norm``
recomputes them for the average's own weights (ImageRun does this for every grid, score
and samples.npy).

The average lives where G lives: G may be moved or cast after the average was built
(``G.to("cuda")`` after the trainer), so every update first moves the average's arrays to
G's device and dtype where they differ (CuPy refuses to mix host and device arrays).
"""
import copy

from ..backend import device_of, fits, to_device
from ..nn.batchnorm import _BatchNorm
from ..nn.module import input_batches


class WeightAverage:
    """A twin of ``model`` whose parameters are the moving average of ``model``'s.

    decay:   beta in (0, 1); 0.999 averages over about the last 1,000 steps
    average: the twin network (same class and shapes), for sampling and evaluation only
    """

    def __init__(self, model, decay):
        if not 0 < decay < 1:
            raise ValueError(f"the average's decay must be in (0, 1), got {decay}")
        self.decay = float(decay)
        self.updates = 0
        self.average = copy.deepcopy(model)
        self.average.requires_grad_(False).eval()

    def beta(self):
        """This update's weight on the old average: the warm-up, then ``decay``."""
        return min(self.decay, (1 + self.updates) / (10 + self.updates))

    def follow(self, model):
        """Move the average's parameters, gradients and buffers to ``model``'s device and dtype,
        array by array, where they differ; arrays already in place stay the same objects."""
        stores = ((self.average.params, model.params), (self.average.grads, model.params),
                  (self.average.buffers, model.buffers))
        for own, source in stores:
            for name, like in source.items():
                a = own.get(name)
                if a is not None and not fits(a, like, shape=False):
                    own[name] = to_device(a, device_of(like)).astype(like.dtype, copy=False)

    def update(self, model):
        """theta_avg <- beta theta_avg + (1 - beta) theta, for every parameter; buffers copied."""
        self.follow(model)
        beta = self.beta()
        for name, p in model.params.items():
            avg = self.average.params[name]
            avg *= beta                              # in place: the twin's arrays are its own
            avg += (1 - beta) * p
        for name, b in model.buffers.items():
            self.average.buffers[name] = b.copy()
        self.updates += 1


def recalibrate_batch_norm(model, batches):
    """Recompute every batch-norm layer's running statistics for ``model``'s own weights.

    The average's weights are not G's, so the running statistics it copied from G normalise
    its activations slightly wrongly, and in eval mode every image shifts. This runs each
    input array of ``batches`` through the model in training mode with momentum 1/k for the
    k-th batch, so that each running mean (and unbiased variance) ends as the plain average
    of the batches' own: BigGAN's "standing statistics" (Brock et al. 2019, appendix C).
    Parameters are untouched; the model is left in eval mode. Returns the number of layers.
    """
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    if not norms:
        return 0
    momenta = [m.momentum for m in norms]
    model.train()
    try:
        for k, x in enumerate(batches):
            for m in norms:
                m.momentum = 1.0 / (k + 1)
            model.forward(x)
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
        model.eval()
    return len(norms)


def standing_statistics(model, codes, batch_size=500):
    """``recalibrate_batch_norm`` on ``codes`` (a NumPy array of inputs, e.g. G's noise), in
    batches, each cast to the model's dtype and moved to its device. Returns the number of layers."""
    return recalibrate_batch_norm(model, input_batches(model, codes, batch_size))
