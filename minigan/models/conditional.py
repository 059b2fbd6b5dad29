"""A conditional DCGAN (Mirza & Osindero 2014): both networks are told the class.

    G: concat(z, onehot(y))  (N, z_dim + C)  -> the DCGAN generator with z_dim + C inputs  (N, 1, 28, 28)
    D: concat(x, maps(y))    (N, 1 + C, 28, 28) -> the DCGAN discriminator with 1 + C input channels

maps(y) are C constant 28 x 28 planes, plane k all ones where y == k, zeros otherwise: the
simplest way to hand a label to a convolutional D, whose first layer then learns a per-class
bias pattern. The generator is wrapped in ``LabelledGenerator``, whose output already carries
those planes, so the plain ``GANTrainer`` step runs unchanged: D reads G's output as it is,
and D's input gradient on the planes is dropped (labels are not trained).
"""
from ..backend import get_array_module
from ..nn import Sequential
from .dcgan import dcgan_discriminator, dcgan_generator


def one_hot(labels, num_classes, like):
    """labels (N,) ints -> (N, num_classes) in like's dtype and array module."""
    xp = get_array_module(like)
    out = xp.zeros((len(labels), num_classes), dtype=like.dtype)
    out[xp.arange(len(labels)), xp.asarray(labels)] = 1
    return out


def label_maps(onehot, size):
    """(N, C) one-hot -> (N, C, H, W) constant planes."""
    xp = get_array_module(onehot)
    return xp.broadcast_to(onehot[:, :, None, None], (*onehot.shape, *size)).copy()


class LabelledGenerator(Sequential):
    """Wraps a generator: input concat(z, onehot(y)) (N, z_dim + C), output the image with the
    label planes stacked after it as channels (N, channels + C, H, W).

    ``generator`` (the only layer) is the network that draws; sample from it directly with
    concat(z, onehot(y)) to get images alone. Parameters keep the generator's names behind "0.".
    """

    def __init__(self, generator, num_classes):
        super().__init__(generator)
        self.num_classes = num_classes

    @property
    def generator(self):
        return self.layers[0]

    def forward(self, zy):
        xp = get_array_module(zy)
        images = self.generator.forward(zy)                          # (N, channels, H, W)
        self.channels = images.shape[1]
        planes = label_maps(zy[:, -self.num_classes:], images.shape[-2:])
        return xp.concatenate([images, planes.astype(images.dtype)], axis=1)

    def backward(self, dy):
        xp = get_array_module(dy)
        return self.generator.backward(xp.ascontiguousarray(dy[:, :self.channels]))

    def extra_repr(self):
        return f"num_classes={self.num_classes}"


def conditional_generator(z_dim=100, num_classes=10, width=64, rng=None, dtype="float32"):
    """concat(z, onehot(y)) (N, z_dim + C) -> (N, 1 + C, 28, 28): image, then label planes."""
    return LabelledGenerator(dcgan_generator(z_dim + num_classes, width=width, rng=rng, dtype=dtype), num_classes)


def conditional_discriminator(num_classes=10, width=64, rng=None, dtype="float32"):
    """concat(x, maps(y)) (N, 1 + C, 28, 28) -> logits (N, 1)."""
    return dcgan_discriminator(channels=1 + num_classes, width=width, rng=rng, dtype=dtype)
