"""The semi-supervised GAN's networks for Fashion-MNIST, after Salimans et al.'s MNIST models
(2016, appendix), with dropout where they add Gaussian noise::

    classifier (D): x (N, 1, 28, 28) -> Flatten -> Dropout(0.2)                       (N, 784)
        -> [Dense -> LeakyReLU(0.2) -> Dropout(0.5)] for 500, 250                     (N, 250)
        -> Dense(250, 250) -> LeakyReLU(0.2)                                          (N, 250) features
        -> Dropout(0.5) -> Dense(250, K)                                              (N, K) logits
    G: z (N, 100) -> [Dense -> BatchNorm1d -> ReLU] for 500, 500
        -> Dense(500, 784) -> Tanh -> Reshape(1, 28, 28)                              (N, 1, 28, 28)

The classifier's K logits are the K real classes; the K+1-th, "fake", is fixed at 0
(minigan/semi_supervised_losses.py), so the same network is D of the GAN and the supervised
baseline. ``feature_layers(D)`` counts the layers up to the features G matches (the last
hidden activation, before the final dropout). D has no batch norm: it sees labelled, unlabelled
and fake batches in turn, and running statistics mixed from the three would misjudge test images.
Weights keep PyTorch's default initialisation.
"""
from ..nn import BatchNorm1d, Dense, Dropout, Flatten, LeakyReLU, ReLU, Reshape, Sequential, Tanh
from ..nn.module import as_generator


def semi_supervised_classifier(num_classes=10, hidden=(500, 250, 250), input_dropout=0.2, dropout=0.5,
                               image_shape=(1, 28, 28), rng=None, dtype="float32"):
    """Images (N, *image_shape) to K class logits (N, num_classes)."""
    rng = as_generator(rng)
    width = 1
    for s in image_shape:
        width *= s
    layers = [Flatten(), Dropout(input_dropout, rng=rng)]
    for i, h in enumerate(hidden):
        if i:
            layers.append(Dropout(dropout, rng=rng))
        layers += [Dense(width, h, rng=rng, dtype=dtype), LeakyReLU(0.2)]
        width = h
    layers += [Dropout(dropout, rng=rng), Dense(width, num_classes, rng=rng, dtype=dtype)]
    return Sequential(*layers)


def feature_layers(classifier):
    """How many of the classifier's layers lead to its features: all but the final dropout and Dense."""
    return len(classifier.layers) - 2


def semi_supervised_generator(z_dim=100, hidden=(500, 500), image_shape=(1, 28, 28), rng=None, dtype="float32"):
    """Noise (N, z_dim) to images (N, *image_shape) in [-1, 1]."""
    rng = as_generator(rng)
    layers, width = [], z_dim
    for h in hidden:
        layers += [Dense(width, h, bias=False, rng=rng, dtype=dtype), BatchNorm1d(h, dtype=dtype), ReLU()]
        width = h
    size = 1
    for s in image_shape:
        size *= s
    layers += [Dense(width, size, rng=rng, dtype=dtype), Tanh(), Reshape(*image_shape)]
    return Sequential(*layers)
