"""minigan.accel: the fast paths, kept beside the readable layers and switched on explicitly.

The layers in ``minigan.nn`` and the optimizers in ``minigan.optim`` are the textbook code,
and they are what runs unless you ask for more. ``apply`` turns a model's layers and its
optimizers into their fast twins, in place::

    from minigan import accel
    accel.apply(G, D, g_optimizer, d_optimizer)      # or GANConfig(accel=True) in a trainer
    ...
    accel.remove(G, D, g_optimizer, d_optimizer)     # back to the readable classes

Each twin is a subclass of the readable class it stands in for and overrides only how the
work is done (forward/backward, or the optimizer's update): the parameters, gradients,
buffers, checkpoints and mathematics are the readable class's, and tests/accel proves each
twin equal to it. ``apply`` swaps the objects' classes, so switch between steps, not between
a forward and its backward.

    readable class         fast twin                      what it changes
    nn.Conv2d              conv.FastConv2d                channels-last im2col (im2col.py), kept temporaries
    nn.ConvTranspose2d     conv.FastConvTranspose2d       channels-last col2im, kept temporaries
    nn.BatchNorm1d/2d      batchnorm.FastBatchNorm1d/2d   statistics of a (rows, C) view, fewer passes
    nn.ReLU, nn.LeakyReLU  activations.FastReLU/...       kept masks
    nn.Dense               activations.FastDense          one-output input gradient by broadcasting
    optim.Adam             optim.FastAdam                 in place, in cache-sized pieces
    all of the above: large arrays cut into pieces along axis 0 that run at once on all CPU
    threads (parallel.py); on CuPy, with $MINIGAN_CUDA_FUSED=1 or ``fused.enabled()``, the
    element-wise work of ReLU, LeakyReLU, batch norm and Adam as one CUDA kernel each (fused.py).
"""
from ..nn import BatchNorm1d, BatchNorm2d, Conv2d, ConvTranspose2d, Dense, LeakyReLU, Module, ReLU
from ..optim import Adam, Optimizer
from . import workspace
from .activations import FastDense, FastLeakyReLU, FastReLU
from .batchnorm import FastBatchNorm1d, FastBatchNorm2d
from .conv import FastConv2d, FastConvTranspose2d
from .optim import FastAdam

TWINS = {
    Conv2d: FastConv2d, ConvTranspose2d: FastConvTranspose2d, BatchNorm1d: FastBatchNorm1d,
    BatchNorm2d: FastBatchNorm2d, ReLU: FastReLU, LeakyReLU: FastLeakyReLU, Dense: FastDense, Adam: FastAdam,
}
READABLE = {fast: readable for readable, fast in TWINS.items()}


def apply(*objects):
    """Switch every layer inside the given models, and the given optimizers, to its fast twin.
    Classes without a twin (and subclasses of the readable ones) are left as they are."""
    for obj in _members(objects):
        obj.__class__ = TWINS.get(type(obj), type(obj))
    return objects[0] if len(objects) == 1 else objects


def remove(*objects):
    """Switch them back to the readable classes and free the layers' kept temporaries."""
    for obj in _members(objects):
        obj.__class__ = READABLE.get(type(obj), type(obj))
        if isinstance(obj, Module):
            workspace.release(obj)
    return objects[0] if len(objects) == 1 else objects


def is_applied(obj):
    """True if any layer of the model (or the optimizer) runs a fast twin."""
    return any(type(m) in READABLE for m in _members([obj]))


def _members(objects):
    for obj in objects:
        if isinstance(obj, Module):
            yield from obj.modules()
        elif isinstance(obj, Optimizer):
            yield obj
        else:
            raise TypeError(f"accel applies to minigan Modules and Optimizers, got {type(obj).__name__}")
