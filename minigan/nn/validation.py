"""Input checks: a wrong input fails at the layer it reaches, with one message saying which
layer (its position in a Sequential and its class), what it expected and what it got,
before the layer computes anything.

    LayerInputError: layer [2] Conv2d(64, 128, ...): expected 64 input channels, got input
    of shape (8, 3, 14, 14) with 3 channels

Layers call ``check_array`` (device, dtype, dimensions, empty batch) and then their own
shape conditions; ``Sequential`` adds each layer's position to the path as the error
passes through it. Debug mode (``set_debug(True)`` or MINIGAN_DEBUG=1) also rejects NaN
and inf inputs and finite inputs that overflow to NaN or inf, naming the layer; without
it NaN and inf flow through like in NumPy, and the trainer's guard (minigan.gan.guards)
stops a run at the first non-finite loss or gradient.
"""
import os
from contextlib import contextmanager

from ..backend import device_of, get_array_module

FLOATS = ("float16", "float32", "float64")
_DEBUG = [os.environ.get("MINIGAN_DEBUG", "") not in ("", "0")]


class LayerInputError(ValueError):
    """A layer got an input it cannot take. ``path`` is its position, e.g. [1, 3] for model[1][3]."""

    def __init__(self, layer, problem, path=()):
        self.layer, self.problem, self.path = layer, problem, list(path)
        super().__init__(self._message())

    def _message(self):
        where = "".join(f"[{i}]" for i in self.path)
        name = type(self.layer).__name__ if self.layer.children() else repr(self.layer)
        return f"layer {where + ' ' if where else ''}{name}: {self.problem}"

    def at(self, index):
        """The same error, one Sequential further out (index = position in that Sequential)."""
        return LayerInputError(self.layer, self.problem, [index] + self.path)


@contextmanager
def at_position(index):
    """Inside a container: an error from the layer at ``index`` gets that index in its path."""
    try:
        yield
    except LayerInputError as err:
        raise err.at(index) from None


class LayerConfigError(ValueError):
    """A layer's constructor got arguments that cannot work (zero sizes, stride 0, ...)."""


def set_debug(flag=True):
    """Turn the NaN/inf checks of every layer on or off."""
    _DEBUG[0] = bool(flag)


def debug_enabled():
    return _DEBUG[0]


def check_array(layer, x, ndims, what="input"):
    """Common checks: an array, floating dtype matching the parameters, same device, allowed
    number of dimensions, a non-empty batch. ``ndims``: tuple of allowed ndim (None: any >= 1)."""
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise LayerInputError(layer, f"expected an array as {what}, got {type(x).__name__}")
    if x.dtype.name not in FLOATS:
        raise LayerInputError(layer, f"expected a floating-point {what} (float32 or float64), got dtype "
                                     f"{x.dtype}; convert with x.astype('float32')")
    for name, p in layer.params.items():
        if device_of(p) != device_of(x):
            raise LayerInputError(layer, f"{what} is on {device_of(x)} but parameter '{name}' is on "
                                         f"{device_of(p)}; move one: model.to('{device_of(x)}')")
        if p.dtype != x.dtype:
            raise LayerInputError(layer, f"{what} dtype {x.dtype} differs from parameter '{name}' dtype "
                                         f"{p.dtype}; use one dtype (model.astype('{x.dtype}') or x.astype)")
    if ndims is not None and x.ndim not in ndims:
        wanted = " or ".join(str(n) for n in ndims)
        raise LayerInputError(layer, f"expected a {wanted}-dimensional {what}, got shape {tuple(x.shape)}")
    if x.ndim == 0:
        raise LayerInputError(layer, f"expected a batch, got a scalar {what}")
    if x.shape[0] == 0:
        raise LayerInputError(layer, f"got an empty batch: {what} shape {tuple(x.shape)}")
    if _DEBUG[0]:
        _check_finite(layer, x, what)


def check_grad(layer, dy, expected_shape, what="upstream gradient of the output's shape"):
    """backward's dy must match the forward output's shape (backward_backward's ddx the input's);
    both need a forward first."""
    if expected_shape is None:
        raise LayerInputError(layer, "backward called before forward")
    if tuple(dy.shape) != tuple(expected_shape):
        raise LayerInputError(layer, f"expected an {what} {tuple(expected_shape)}, got {tuple(dy.shape)}")
    if _DEBUG[0]:
        _check_finite(layer, dy, what.split(" of ")[0])


def check_output(layer, y):
    """In debug mode: a finite input must not give a non-finite output (overflow)."""
    if _DEBUG[0]:
        _check_finite(layer, y, "output", "from a finite input (overflow: scale the input down)")
    return y


def _check_finite(layer, x, what, hint="(NaN/inf in the data, or an earlier overflow)"):
    xp = get_array_module(x)
    bad = ~xp.isfinite(x)
    if bool(bad.any()):
        raise LayerInputError(layer, f"{what} holds {int(bad.sum())} non-finite values {hint}")


def require(condition, layer_class, message):
    """Constructor checks: raise LayerConfigError naming the class unless condition holds."""
    if not condition:
        raise LayerConfigError(f"{layer_class}: {message}")
