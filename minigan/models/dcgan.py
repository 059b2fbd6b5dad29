"""DCGAN (Radford et al. 2016) for 28 x 28 single-channel images (Fashion-MNIST)::

    G: z (N, 100) -> Dense(100, 6272) -> BatchNorm1d -> ReLU -> Reshape(128, 7, 7)     (N, 128, 7, 7)
       -> ConvTranspose2d(128, 64, 4, 2, 1) -> BatchNorm2d -> ReLU                      (N, 64, 14, 14)
       -> ConvTranspose2d(64, 1, 4, 2, 1) -> Tanh                                       (N, 1, 28, 28)
    D: x (N, 1, 28, 28) -> Conv2d(1, 64, 4, 2, 1) -> LeakyReLU(0.2)                    (N, 64, 14, 14)
       -> Conv2d(64, 128, 4, 2, 1) -> BatchNorm2d -> LeakyReLU(0.2)                     (N, 128, 7, 7)
       -> Flatten -> Dense(6272, 1)                                                     (N, 1) logits

With ``minibatch=(B, C)`` a MinibatchDiscrimination layer of B kernels of C dimensions sits between
Flatten and the output Dense(6272 + B, 1): D sees how alike the images of a batch are
(Salimans et al. 2016).

With ``norm="layer"`` D's batch norm becomes LayerNorm((128, 7, 7)): a critic trained with a
gradient penalty (WGAN-GP, R1) must judge each sample alone, and batch norm mixes them
(Gulrajani et al. 2017, section 4).

A layer followed by batch norm has no bias: batch norm subtracts the mean, so the bias
would get a gradient of exactly zero (up to rounding) and never matter. Weights start
from DCGAN's N(0, 0.02), batch-norm scales from N(1, 0.02) (``minigan.init.dcgan``).
"""
from ..init import dcgan
from ..nn import (BatchNorm1d, BatchNorm2d, Conv2d, ConvTranspose2d, Dense, Flatten, LayerNorm, LeakyReLU,
                  MinibatchDiscrimination, ReLU, Reshape, Sequential, Tanh)
from ..nn.module import as_generator


def dcgan_generator(z_dim=100, channels=1, width=64, rng=None, dtype="float32"):
    """Noise (N, z_dim) to images (N, channels, 28, 28) in [-1, 1]."""
    rng = as_generator(rng)
    G = Sequential(
        Dense(z_dim, 2 * width * 7 * 7, bias=False, rng=rng, dtype=dtype),
        BatchNorm1d(2 * width * 7 * 7, dtype=dtype), ReLU(), Reshape(2 * width, 7, 7),
        ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False, rng=rng, dtype=dtype),
        BatchNorm2d(width, dtype=dtype), ReLU(),
        ConvTranspose2d(width, channels, 4, 2, 1, rng=rng, dtype=dtype), Tanh(),
    )
    return dcgan(G, rng)


def dcgan_discriminator(channels=1, width=64, rng=None, dtype="float32", norm="batch", minibatch=None):
    """Images (N, channels, 28, 28) to one logit each, (N, 1); norm: "batch" or "layer";
    minibatch: None or (num_kernels, kernel_dim) of a MinibatchDiscrimination layer before the output."""
    if norm not in ("batch", "layer"):
        raise ValueError(f"norm must be 'batch' or 'layer', got {norm!r}")
    rng = as_generator(rng)
    normalise = (BatchNorm2d(2 * width, dtype=dtype) if norm == "batch"
                 else LayerNorm((2 * width, 7, 7), dtype=dtype))
    features = 2 * width * 7 * 7
    batch_features = []
    if minibatch:
        batch_features = [MinibatchDiscrimination(features, *minibatch, rng=rng, dtype=dtype)]
    D = Sequential(
        Conv2d(channels, width, 4, 2, 1, rng=rng, dtype=dtype), LeakyReLU(0.2),
        Conv2d(width, 2 * width, 4, 2, 1, bias=norm == "layer", rng=rng, dtype=dtype),
        normalise, LeakyReLU(0.2),
        Flatten(), *batch_features, Dense(features + (minibatch[0] if minibatch else 0), 1, rng=rng, dtype=dtype),
    )
    return dcgan(D, rng)
