"""Twins of nn.ReLU, nn.LeakyReLU and nn.Dense's one-output backward.

ReLU and LeakyReLU: the same arithmetic on pieces of the batch, on all CPU threads at once
(parallel.py), with the mask kept between calls (workspace.py); on CuPy with the fused kernels
on, one kernel each (fused.py). Every element is computed by the same operations as the
readable layer's, so the results are equal bit for bit.
"""
from ..backend import get_array_module
from ..nn.activations import LeakyReLU, ReLU, leaky_slope
from ..nn.dense import Dense
from . import fused, workspace
from .parallel import map_rows, multiply


class FastReLU(ReLU):
    """nn.ReLU in pieces on the CPU threads, or one fused kernel."""

    def forward(self, x):
        self.check_input(x)
        self.positive, y = in_pieces(self, fused.relu if fused.active(x) else relu, x, mask_dtype=bool)
        return y

    def backward(self, dy):
        self.check_grad(dy)
        return multiply(dy, self.positive)


class FastLeakyReLU(LeakyReLU):
    """nn.LeakyReLU in pieces on the CPU threads, or one fused kernel."""

    def forward(self, x):
        self.check_input(x)
        a = self.negative_slope
        fill = fused.leaky_relu if fused.active(x) else leaky_relu
        self.slope, y = in_pieces(self, lambda x, slope, y: fill(x, a, slope, y), x, mask_dtype=x.dtype)
        return y

    def backward(self, dy):
        self.check_grad(dy)
        return multiply(dy, self.slope)


class FastDense(Dense):
    """nn.Dense whose input gradient, with one output (a discriminator's logit), is the outer
    product (N, 1) x (1, in) by broadcasting: a matrix product with an inner size of 1 is slow
    in the BLAS, and each entry is the same single product either way."""

    def backward(self, dy):
        if self.out_features != 1:
            return super().backward(dy)
        self.check_grad(dy)
        self.dy = dy                              # for backward_backward
        if self.requires_grad:
            self.accumulate_grad("weight", self.weight_grad(dy.T @ self.x))
            if "bias" in self.params:
                self.accumulate_grad("bias", dy.sum(axis=0))
        if not self.needs_input_grad:
            return None
        return dy * self.weight()                 # (N, 1) * (1, in): dy W, entry by entry


def in_pieces(layer, fn, x, mask_dtype):
    """(mask, y), both in x's memory layout, filled piece by piece by fn(x, mask, y); the mask,
    which only backward reads, in the layer's workspace."""
    xp = get_array_module(x)
    mask, y = workspace.like(layer, "mask", x, mask_dtype), xp.empty_like(x)
    map_rows(fn, (x,), (mask, y))
    return mask, y


def relu(x, positive, y):
    xp = get_array_module(x)
    xp.greater(x, 0, out=positive)
    xp.multiply(x, positive, out=y)


def leaky_relu(x, a, slope, y):
    xp = get_array_module(x)
    xp.greater(x, 0, out=slope)                          # 1.0 where x > 0, else 0.0
    if 0 <= a <= 1:
        # The same slope as leaky_slope's max(mask, a), as mask (1 - a) + a in x's dtype: 0 + a
        # is a, and (1 - a) + a rounds back to exactly 1 (1 - a is exact for a >= 1/2 and off by
        # at most a quarter of 1's spacing below it otherwise). NumPy's maximum against a scalar
        # is slower than a multiply and an add.
        a = x.dtype.type(a)
        xp.multiply(slope, 1 - a, out=slope)
        xp.add(slope, a, out=slope)
    else:
        leaky_slope(slope, a)
    xp.multiply(x, slope, out=y)
