"""Fully connected GAN for 28 x 28 single-channel images (Fashion-MNIST)::

    G: z (N, 100) -> [Dense -> LeakyReLU(0.2)] for 256, 512, 1024 -> Dense(1024, 784) -> Tanh
       -> Reshape(1, 28, 28)                                               (N, 1, 28, 28) in [-1, 1]
    D: x (N, 1, 28, 28) -> Flatten -> [Dense -> LeakyReLU(0.2)] for 512, 256 -> Dense(256, 1)
                                                                           (N, 1) logits
       with minibatch=(B, C): ... -> MinibatchDiscrimination(256, B, C) -> Dense(256 + B, 1)

Weights keep PyTorch's default initialisation, U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""
from ..nn import Dense, Flatten, LeakyReLU, MinibatchDiscrimination, Reshape, Sequential, Tanh
from ..nn.module import as_generator


def mlp_generator(z_dim=100, hidden=(256, 512, 1024), image_shape=(1, 28, 28), negative_slope=0.2,
                  rng=None, dtype="float32"):
    """Noise (N, z_dim) to images (N, *image_shape) in [-1, 1]."""
    rng = as_generator(rng)
    layers, width = [], z_dim
    for h in hidden:
        layers += [Dense(width, h, rng=rng, dtype=dtype), LeakyReLU(negative_slope)]
        width = h
    size = 1
    for s in image_shape:
        size *= s
    layers += [Dense(width, size, rng=rng, dtype=dtype), Tanh(), Reshape(*image_shape)]
    return Sequential(*layers)


def mlp_discriminator(hidden=(512, 256), image_shape=(1, 28, 28), negative_slope=0.2, rng=None,
                      dtype="float32", minibatch=None):
    """Images (N, *image_shape) to one logit each, (N, 1); minibatch: None or (num_kernels,
    kernel_dim) of a MinibatchDiscrimination layer (Salimans et al. 2016) before the output."""
    rng = as_generator(rng)
    layers, width = [Flatten()], 1
    for s in image_shape:
        width *= s
    for h in hidden:
        layers += [Dense(width, h, rng=rng, dtype=dtype), LeakyReLU(negative_slope)]
        width = h
    if minibatch:
        layers.append(MinibatchDiscrimination(width, *minibatch, rng=rng, dtype=dtype))
        width += minibatch[0]
    layers.append(Dense(width, 1, rng=rng, dtype=dtype))
    return Sequential(*layers)
