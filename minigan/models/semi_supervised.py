"""The semi-supervised GAN's networks for Fashion-MNIST, after Salimans et al.'s MNIST models
(2016, appendix; their code's train_mnist_feature_matching.py), without weight normalisation::

    classifier (D): x (N, 1, 28, 28) -> Flatten -> GaussianNoise(0.6)                 (N, 784)
        -> [Dense -> LeakyReLU(0.2) -> GaussianNoise(0.5)] for 500, 250               (N, 250)
        -> Dense(250, 250) -> LeakyReLU(0.2)                                          (N, 250) features
        -> GaussianNoise(0.5) -> Dense(250, K)                                        (N, K) logits
    G: z (N, 100) -> [Dense -> BatchNorm1d -> ReLU] for 500, 500
        -> Dense(500, 784) -> Tanh -> Reshape(1, 28, 28)                              (N, 1, 28, 28)

The default hidden widths (500, 250, 250) are a narrower D than Salimans et al.'s; theirs is
``hidden=(1000, 500, 250, 250, 250)``, about 2.6 times the multiply-adds per image.
Salimans et al. add noise of std 0.3 to pixels in [0, 1]; in minigan's [-1, 1] that is 0.6.
The classifier's K logits are the K real classes; the K+1-th, "fake", is fixed at 0
(minigan/semi_supervised_losses.py), so the same network is D of the GAN and the supervised
baseline. ``feature_layers(D)`` counts the layers up to the features G matches (the last
hidden activation, before the last noise). D has no batch norm: it sees labelled, unlabelled
and fake batches in turn, and running statistics mixed from the three would misjudge test images.
Weights keep PyTorch's default initialisation.
"""
from ..backend import as_array_like
from ..nn import BatchNorm1d, Dense, Flatten, LeakyReLU, Module, ReLU, Reshape, Sequential, Tanh
from ..nn.module import as_generator


class GaussianNoise(Module):
    """Training: y = x + std * e, e ~ N(0, I) drawn per element; dx = dy. Eval: y = x, dx = dy.

    Salimans et al.'s regulariser of D, in place of dropout: it blurs D's view of real and fake
    alike. The noise is drawn on the host from ``self.rng`` (a numpy Generator; a seed or a
    Generator may be passed), which checkpoints record and gradient checks replay.
    """

    def __init__(self, std, rng=None):
        super().__init__()
        if not (isinstance(std, (int, float)) and 0 <= std < float("inf")):
            raise ValueError(f"GaussianNoise: std must be a finite number >= 0, got {std!r}")
        self.std = std
        self.rng = as_generator(rng)

    def forward(self, x):
        self.check_input(x)
        if not self.training or self.std == 0:
            return x
        noise = self.rng.standard_normal(x.shape).astype(x.dtype) * x.dtype.type(self.std)
        return x + as_array_like(noise, x)

    def backward(self, dy):
        self.check_grad(dy)
        return dy

    def extra_repr(self):
        return f"std={self.std}"


def semi_supervised_classifier(num_classes=10, hidden=(500, 250, 250), input_noise=0.6, noise=0.5,
                               image_shape=(1, 28, 28), rng=None, dtype="float32"):
    """Images (N, *image_shape) to K class logits (N, num_classes)."""
    rng = as_generator(rng)
    width = 1
    for s in image_shape:
        width *= s
    layers = [Flatten(), GaussianNoise(input_noise, rng=rng)]
    for i, h in enumerate(hidden):
        if i:
            layers.append(GaussianNoise(noise, rng=rng))
        layers += [Dense(width, h, rng=rng, dtype=dtype), LeakyReLU(0.2)]
        width = h
    layers += [GaussianNoise(noise, rng=rng), Dense(width, num_classes, rng=rng, dtype=dtype)]
    return Sequential(*layers)


def feature_layers(classifier):
    """How many of the classifier's layers lead to its features: all but the last noise and Dense."""
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
