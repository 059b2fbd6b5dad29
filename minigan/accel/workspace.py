"""Scratch arrays an accelerated layer keeps between calls.

A training step makes large temporaries: a convolution's padded input, its im2col columns
(tens of MB for DCGAN's Conv2d(64, 128) at batch 128) and their gradient; an activation's mask;
batch norm's xhat. Allocated afresh each call, such an array often lands on new pages, which
the kernel maps and zeroes on first touch (page faults, system time), and it pushes the
previous one out of the caches. A layer that writes into arrays it keeps skips both; the
values are the same, only the memory is reused::

    cols = workspace.get(self, "cols", (rows, k), x)     # the same array each call while it fits
    mask = workspace.like(self, "mask", x, bool)         # x's shape and memory layout

Only arrays a layer uses inside one call, or caches for its own backward (which its next
forward replaces anyway), go here; never one it returns. Each layer holds at most one array
per name: a new shape, dtype, layout or device replaces it. ``release(model)`` drops them
all (to free the memory after training, say). Only the accelerated layers use a workspace;
the readable ones allocate afresh every call.
"""
from ..backend import get_array_module


def get(layer, name, shape, like, zeros=False):
    """The layer's C-contiguous scratch array ``name`` of ``shape``, with like's dtype and device.
    Its contents are what the last call left there; a newly made one is zero-filled if ``zeros``
    (a padded copy whose border is never written keeps it zero)."""
    xp = get_array_module(like)
    shape = tuple(shape)

    def make():
        return xp.zeros(shape, like.dtype) if zeros else xp.empty(shape, like.dtype)
    return _kept(layer, name, (shape, like.dtype, xp.__name__, None), make)


def like(layer, name, x, dtype=None):
    """The layer's scratch array ``name`` with x's shape and memory layout (as ``empty_like``),
    of ``dtype`` (default: x's)."""
    xp = get_array_module(x)
    dtype = xp.dtype(dtype or x.dtype)
    order = tuple(sorted(range(x.ndim), key=lambda axis: -x.strides[axis]))
    return _kept(layer, name, (x.shape, dtype, xp.__name__, order), lambda: xp.empty_like(x, dtype=dtype))


def _kept(layer, name, key, make):
    store = layer.__dict__.setdefault("_workspace", {})
    kept = store.get(name)
    if kept is None or kept[0] != key:
        kept = store[name] = (key, make())
    return kept[1]


def release(model):
    """Drop the scratch arrays of ``model`` and of every layer inside it."""
    for m in model.modules():
        m.__dict__.pop("_workspace", None)
