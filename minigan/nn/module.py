"""The layer contract every part of ``minigan.nn`` follows.

    y  = layer.forward(x)      # caches what backward needs
    dx = layer.backward(dy)    # returns dL/dx and ADDS dL/dparam into layer.grads[name]
    layer.zero_grad()          # grads back to zero
    layer.train(); layer.eval()
    ddy, dx_extra = layer.backward_backward(ddx)     # second order, for gradient penalties

``backward_backward`` differentiates backward itself, the map (x, params, dy) -> dx. Given
ddx, the adjoint of the dx that backward returned (the gradient of some scalar P(dx)), it
returns ddy = (d dx/d dy)^T ddx and dx_extra = (d dx/d x)^T ddx (None where backward does not
depend on x: piecewise linear layers), and ADDS (d dx/d param)^T ddx into layer.grads. It
reads the caches of the last forward and backward; a Sequential's backward_backward runs its
layers' backward again, so run forward and backward anew before another call.

``layer.params`` (name -> array) is the single source of truth: forward reads it every
call, so assigning a new array there (float64 for a gradient check, a CuPy array for the
GPU) changes what the layer computes. ``layer.buffers`` holds state that is not trained
(batch-norm running statistics). Names and shapes follow PyTorch so weights copy across.

Every forward starts with ``self.check_input(x)`` and every backward with
``self.check_grad(dy)``: a wrong input fails there, before any computation, with a
LayerInputError naming the layer, what it expected and what it got (validation.py).
``output_shape(input_shape)`` gives the shape a layer produces, without computing it.

Two switches let a trainer skip work nobody will use:
  ``requires_grad``      False: backward computes no parameter gradients (D during G's step).
  ``needs_input_grad``   False: backward returns None without computing dx (a first layer).
"""
import numpy as np

from ..backend import device_of, fits, get_array_module, to_device
from .validation import LayerInputError, check_array, check_grad


def as_generator(rng):
    """A numpy Generator from a Generator, an int seed or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def input_batches(model, inputs, batch_size=500):
    """The NumPy array ``inputs`` in batches along axis 0, each cast to the model's dtype (a
    float64 G takes the same float32 codes) and moved to its device (a generator)."""
    first = next(iter(model.params.values()))
    return (to_device(inputs[i:i + batch_size].astype(first.dtype, copy=False), device_of(first))
            for i in range(0, len(inputs), batch_size))


class Module:
    """Base class: parameter and buffer bookkeeping shared by every layer."""

    input_ndims = None            # allowed numbers of input dimensions; None: any

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.buffers = {}
        self.training = True
        self.requires_grad = True
        self.needs_input_grad = True

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dy):
        raise NotImplementedError

    def backward_backward(self, ddx):
        raise NotImplementedError(f"{type(self).__name__} has no second-order pass (backward_backward); gradient "
                                  f"penalties need critics built of Dense, Conv2d, LayerNorm, LeakyReLU, ReLU, "
                                  f"Tanh, Flatten and Reshape")

    def __call__(self, x):
        return self.forward(x)

    def output_shape(self, input_shape):
        """The output's shape for an input of this shape; element-wise layers keep it.
        Layers with shape rules override this and raise LayerInputError when it cannot fit."""
        return tuple(input_shape)

    def check_input(self, x):
        """Dtype, device, dimensions and shape of x against this layer; remembers the output
        shape so backward can check dy."""
        check_array(self, x, self.input_ndims)
        self.input_shape = tuple(x.shape)
        self.expected_grad_shape = self.output_shape(x.shape)

    def check_grad(self, dy):
        check_grad(self, dy, getattr(self, "expected_grad_shape", None))

    def check_adjoint(self, ddx, needs_dy=False):
        """backward_backward's ddx must have the input's shape; ``needs_dy``: backward must have
        run and kept its dy in ``self.dy``."""
        check_grad(self, ddx, getattr(self, "input_shape", None), "adjoint ddx of the input's shape")
        if needs_dy and getattr(self, "dy", None) is None:
            raise LayerInputError(self, "backward_backward called before backward")

    def children(self):
        """Sub-layers (a Sequential's layers); plain layers have none."""
        return []

    def modules(self):
        """This layer and every layer inside it, depth first."""
        yield self
        for child in self.children():
            yield from child.modules()

    def accumulate_grad(self, name, value):
        """grads[name] += value, in the parameter's dtype whatever the dtype of ``value`` (a float64
        or integer dy still adds to a float32 gradient); allocated on first use or after
        params[name] changed dtype/device."""
        grad, p = self.grads.get(name), self.params[name]
        if not fits(grad, p):
            self.grads[name] = value.astype(p.dtype)            # a copy, in the parameter's dtype
        else:
            grad += value.astype(p.dtype, copy=False)

    def zero_grad(self):
        """Set every parameter gradient to zero (in place where the array still fits)."""
        for name, p in self.params.items():
            grad = self.grads.get(name)
            if not fits(grad, p):
                self.grads[name] = get_array_module(p).zeros_like(p)
            else:
                grad.fill(0)
        return self

    def train(self, mode=True):
        for m in self.modules():
            m.training = mode
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, flag=True):
        """Turn parameter-gradient computation on or off for this layer and all inside it."""
        for m in self.modules():
            m.requires_grad = flag
        return self

    def to(self, device):
        """Move parameters, gradients and buffers to 'cpu' or 'cuda'; returns self."""
        for store in self._own_stores():
            for name in list(store):
                store[name] = to_device(store[name], device)
        return self

    def astype(self, dtype):
        """Cast parameters, gradients and buffers to dtype (float64 for gradient checks)."""
        for store in self._own_stores():
            for name in list(store):
                store[name] = store[name].astype(dtype)
        return self

    def _own_stores(self):
        # Containers expose their children's arrays through views; touch each array once.
        for m in self.modules():
            for store in (m.params, m.grads, m.buffers):
                if type(store) is dict:
                    yield store

    def state_dict(self):
        """PyTorch-style flat dict: parameters and buffers by name."""
        state = dict(self.params)
        state.update(self.buffers)
        return state

    def num_parameters(self):
        return sum(int(p.size) for p in self.params.values())

    def extra_repr(self):
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"
