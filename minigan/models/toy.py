"""Small fully connected generators and discriminators for the 1-D and 2-D toy problems.

Both are flat ``Sequential`` MLPs, so ``GANConfig.feature_matching = k`` can cut the
discriminator after its k-th layer::

    G: z (N, z_dim) -> [Dense -> ReLU] x depth -> Dense -> x (N, out_dim)
    D: x (N, in_dim) -> (Pack(m): (N/m, m in_dim)) -> [Dense -> LeakyReLU(0.2)] x depth
       -> (MinibatchDiscrimination) -> Dense -> logit (N, 1), or (N/m, 1) packed

The generator's output is linear: toy data is not bounded to [-1, 1] the way images are.
"""
import numpy as np

from ..backend import device_of, to_device, to_numpy
from ..nn import BatchNorm1d, Dense, LeakyReLU, MinibatchDiscrimination, Pack, ReLU, Sequential
from ..nn.module import as_generator


def toy_generator(z_dim, out_dim, hidden=128, depth=3, batch_norm=False, rng=None):
    """An MLP from noise to samples with ``depth`` hidden layers of ``hidden`` units."""
    rng = as_generator(rng)
    layers, width = [], z_dim
    for _ in range(depth):
        layers.append(Dense(width, hidden, bias=not batch_norm, rng=rng))
        if batch_norm:
            layers.append(BatchNorm1d(hidden))
        layers.append(ReLU())
        width = hidden
    layers.append(Dense(width, out_dim, rng=rng))
    return Sequential(*layers)


def toy_discriminator(in_dim, hidden=128, depth=3, minibatch=None, negative_slope=0.2, pack=1, rng=None):
    """An MLP from samples to one logit each (one per pack of ``pack`` samples).

    minibatch: None, or (num_kernels, kernel_dim) for a MinibatchDiscrimination layer
    (Salimans et al. 2016) between the last hidden layer and the output, so D sees how
    alike the samples of a batch are.
    pack: m > 1 puts a Pack(m) layer first (PacGAN, Lin et al. 2018): D judges m samples at once.
    """
    rng = as_generator(rng)
    layers, width = ([Pack(pack)], pack * in_dim) if pack > 1 else ([], in_dim)
    for _ in range(depth):
        layers += [Dense(width, hidden, rng=rng), LeakyReLU(negative_slope)]
        width = hidden
    if minibatch:
        num_kernels, kernel_dim = minibatch
        layers.append(MinibatchDiscrimination(width, num_kernels, kernel_dim, rng=rng))
        width += num_kernels
    layers.append(Dense(width, 1, rng=rng))
    return Sequential(*layers)


def feature_layer(D):
    """Index for ``GANConfig.feature_matching``: D's layers up to its last hidden activation
    (before any mini-batch layer and the output Dense)."""
    for i in range(len(D.layers) - 1, -1, -1):
        if isinstance(D.layers[i], LeakyReLU):
            return i + 1
    raise ValueError("the discriminator has no hidden layer to match features at")


def in_eval_mode(model, x):
    """model.forward(x) in eval mode (batch norm uses its running statistics), the mode restored after."""
    was_training = model.training
    model.eval()
    try:
        return model.forward(x)
    finally:
        model.train(was_training)


def generate(G, z):
    """G(z) in eval mode as a NumPy array; z (N, z_dim) an array on either device, cast to G's
    dtype and moved to G's device.

    Draw z from a Generator of its own (not the trainer's), so that samples for plots and
    metrics do not change the training run.
    """
    first = next(iter(G.params.values()))
    z = z if hasattr(z, "astype") else np.asarray(z)
    return to_numpy(in_eval_mode(G, to_device(z.astype(first.dtype, copy=False), device_of(first))))
