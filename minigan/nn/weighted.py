"""The weight and bias of a linear layer (Dense, Conv2d, ConvTranspose2d), and the equalised
learning rate.

Plain layers store W and b and start them as PyTorch does, U(-1/sqrt(k), 1/sqrt(k)) with k
PyTorch's fan_in of the weight's layout.

Equalised learning rate (``equalized_lr=True``, Karras et al. 2018, 4.1): the stored weight
V ~ N(0, 1) (bias 0) is scaled at run time by He's constant c = sqrt(2 / fan_in),

    W = c V,     and by the chain rule     dV = c dW,

so every formula of the layer holds with W = c V, and Adam, whose step size does not depend
on the gradient's scale, moves every layer's effective weights at the same pace.
"""
import math

import numpy as np

from .module import Module


class WeightedLayer(Module):
    """A Module with ``params['weight']`` (and optionally ``params['bias']``) used through
    ``weight()`` in forward and ``weight_grad(dW)`` in backward."""

    weight_scale = None           # c, or None without the equalised learning rate

    def init_weight(self, shape, bias_size, init_fan_in, he_fan_in, rng, dtype, bias, equalized_lr):
        """Draw the weight of ``shape`` (and a bias of ``bias_size`` if ``bias``) from ``rng``.
        init_fan_in: k of PyTorch's U(-1/sqrt(k), 1/sqrt(k)); he_fan_in: the inputs summed into
        one output, for c = sqrt(2 / he_fan_in)."""
        if equalized_lr:
            self.weight_scale = math.sqrt(2.0 / he_fan_in)
            self.params["weight"] = rng.standard_normal(shape).astype(dtype)
            if bias:
                self.params["bias"] = np.zeros(bias_size, dtype=dtype)
        else:
            bound = 1.0 / math.sqrt(init_fan_in)
            self.params["weight"] = rng.uniform(-bound, bound, shape).astype(dtype)
            if bias:
                self.params["bias"] = rng.uniform(-bound, bound, bias_size).astype(dtype)
        self.zero_grad()

    def weight(self):
        """W as forward uses it: the stored weight, times c with the equalised learning rate."""
        W = self.params["weight"]
        return W if self.weight_scale is None else W * self.weight_scale

    def weight_grad(self, dW):
        """The stored weight's gradient from W's: dV = c dW (dW itself without the scale)."""
        return dW if self.weight_scale is None else dW * self.weight_scale

    def weight_repr(self):
        return f"bias={'bias' in self.params}" + (", equalized_lr=True" if self.weight_scale is not None else "")
