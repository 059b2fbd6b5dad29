"""Dense (fully connected) layer, PyTorch's ``nn.Linear``."""
import math

import numpy as np

from . import fast
from .module import Module, as_generator
from .validation import LayerInputError, require


class Dense(Module):
    """y = x W^T + b

    Shapes: x (N, in), W (out, in) as in PyTorch, b (out,), y (N, out).

    Backward, with dy = dL/dy of shape (N, out):
        dx = dy W            (N, in)
        dW = dy^T x          (out, in)
        db = sum_n dy        (out,)

    Backward of backward, with ddx = dP/d(dx) of shape (N, in): dx = dy W is bilinear in
    (dy, W) and free of x and b, so
        ddy = ddx W^T        (N, out)
        dW += dy^T ddx       (out, in)
        dx_extra = 0         (returned as None)

    Initial weights are PyTorch's default, U(-1/sqrt(in), 1/sqrt(in)) for W and b;
    ``rng`` is a numpy Generator or a seed.

    Equalised learning rate (``equalized_lr=True``, Karras et al. 2018, 4.1): the stored
    weight V ~ N(0, 1) (bias 0) is scaled at run time by He's constant c = sqrt(2 / in),
    W = c V, so every layer's weights move at the same pace under Adam. The formulas above
    hold with W = c V, and dV = c dW.

    Fast path (``fast.ENABLED``): with one output (a discriminator's logit) dx = dy W is an
    outer product, (N, 1) times (1, in), computed by broadcasting: a matrix product with an
    inner size of 1 is slow in BLAS, and each entry is the same single product either way.
    """

    def __init__(self, in_features, out_features, bias=True, rng=None, dtype="float32", equalized_lr=False):
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            require(isinstance(n, int) and n >= 1, "Dense", f"{name} must be a positive integer, got {n!r}")
        self.in_features, self.out_features = in_features, out_features
        rng = as_generator(rng)
        self.weight_scale = math.sqrt(2.0 / in_features) if equalized_lr else None
        if equalized_lr:
            self.params["weight"] = rng.standard_normal((out_features, in_features)).astype(dtype)
            if bias:
                self.params["bias"] = np.zeros(out_features, dtype=dtype)
        else:
            bound = 1.0 / math.sqrt(in_features)
            self.params["weight"] = rng.uniform(-bound, bound, (out_features, in_features)).astype(dtype)
            if bias:
                self.params["bias"] = rng.uniform(-bound, bound, out_features).astype(dtype)
        self.zero_grad()

    input_ndims = (2,)

    def output_shape(self, input_shape):
        if input_shape[1] != self.in_features:
            raise LayerInputError(self, f"expected {self.in_features} input features, got input of shape "
                                        f"{tuple(input_shape)}")
        return (input_shape[0], self.out_features)

    def forward(self, x):
        self.check_input(x)
        self.x = x
        y = x @ self.weight().T
        if "bias" in self.params:
            y += self.params["bias"]              # y is fresh: add in place
        return y

    def backward(self, dy):
        self.check_grad(dy)
        self.dy = dy                              # for backward_backward
        if self.requires_grad:
            self.accumulate_grad("weight", self.weight_grad(dy.T @ self.x))
            if "bias" in self.params:
                self.accumulate_grad("bias", dy.sum(axis=0))
        if not self.needs_input_grad:
            return None
        if fast.ENABLED and self.out_features == 1:
            return dy * self.weight()             # the same one product per entry, ~15x faster than BLAS
        return dy @ self.weight()

    def backward_backward(self, ddx):
        self.check_adjoint(ddx, needs_dy=True)
        if self.requires_grad:
            self.accumulate_grad("weight", self.weight_grad(self.dy.T @ ddx))
        return ddx @ self.weight().T, None

    def weight(self):
        """W as forward uses it: the stored weight, times c with the equalised learning rate."""
        W = self.params["weight"]
        return W if self.weight_scale is None else W * self.weight_scale

    def weight_grad(self, dW):
        """The stored weight's gradient from W's: dV = c dW (dW itself without the scale)."""
        return dW if self.weight_scale is None else dW * self.weight_scale

    def extra_repr(self):
        equalized = ", equalized_lr=True" if self.weight_scale is not None else ""
        return f"{self.in_features}, {self.out_features}, bias={'bias' in self.params}{equalized}"

