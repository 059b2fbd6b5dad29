"""Drawing images from a generator: fixed latent codes in, float32 NumPy images out.

    inputs = latent_inputs(64, z_dim, np.random.default_rng(0))           # (64, z_dim)
    images = generate(G, inputs)                                          # (64, 28, 28) in [-1, 1]

A conditional G (a LabelledGenerator) takes concat(z, onehot(y)): ``latent_inputs`` builds those
from labels. ``generate`` draws in eval mode by default: batch norm uses its running statistics,
so an image depends on its own code alone, not on the batch it is drawn with.
"""
import numpy as np

from ..backend import to_numpy
from ..models.conditional import one_hot
from ..nn.module import input_batches
from .truncation import truncated_normal

CALIBRATION_CODES = 5000          # codes whose batch statistics the weight average's batch norms take


def drawing_network(G):
    """The network that draws images alone: a LabelledGenerator's inner generator, else G."""
    return getattr(G, "generator", G)


def latent_inputs(n, z_dim, rng, num_classes=None, labels=None, truncation=None):
    """z ~ N(0, I) as float32 (n, z_dim); with num_classes, concat(z, onehot(labels)).
    ``truncation`` t draws each component of z from N(0, 1) restricted to [-t, t] (truncation.py)."""
    z = truncated_normal(rng, (n, z_dim), truncation).astype(np.float32)
    if not num_classes:
        return z
    return np.concatenate([z, one_hot(np.asarray(labels), num_classes, z)], axis=1)


def generate(G, inputs, batch_size=500, mode="eval"):
    """Images (N, 28, 28) float32 NumPy from G's inputs (N, d), in eval or train mode; the inputs
    are cast to G's dtype (a float64 G takes the same float32 codes).

    G's mode and batch-norm running statistics are the same afterwards as before.
    """
    net = drawing_network(G)
    was_training = net.training
    buffers = {k: v.copy() for k, v in net.buffers.items()}
    net.train(mode == "train")
    try:
        out = [to_numpy(net.forward(batch)) for batch in input_batches(net, inputs, batch_size)]
    finally:
        net.train(was_training)
        for k, v in buffers.items():
            net.buffers[k][...] = v                   # in place: the arrays keep their identity
    return np.concatenate(out)[:, 0].astype(np.float32)
