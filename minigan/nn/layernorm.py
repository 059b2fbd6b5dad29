"""Layer normalisation over each sample's own features, PyTorch's ``nn.LayerNorm``."""
import math

import numpy as np

from ..backend import get_array_module
from .module import Module
from .validation import LayerInputError, require


class LayerNorm(Module):
    """Per sample, over the last len(normalized_shape) axes (m values each):

        mu = mean(x),  var = mean((x - mu)^2),  s = 1 / sqrt(var + eps)
        xhat = (x - mu) s,   y = w xhat + b              (w, b of shape normalized_shape)

    Shapes: x (N, ..., *normalized_shape), e.g. (N, C, H, W) with normalized_shape (C, H, W).
    No statistic mixes samples, so one sample's output depends on that sample alone: the
    normaliser for WGAN-GP critics, whose per-sample gradient penalty batch norm would break.

    Backward, with g = dy w (the gradient reaching xhat) and means over each sample's m values:
        dw = sum over samples of dy xhat,   db = sum over samples of dy
        dx = s P(g),   P(v) = v - mean(v) - xhat mean(v xhat)
    (batch norm's formula with the axes swapped). For fixed xhat, P is self-adjoint.

    Backward of backward, for the adjoint ddx of dx = s P(g):
        through g (xhat, s fixed):   dg = s P(ddx),  so ddy = dg w,  dw += sum over samples of dg dy
        through xhat (s fixed):      dxhat = -s (g mean(ddx xhat) + ddx mean(g xhat))
        through s (xhat fixed):      ds = sum(ddx P(g))
        and from (xhat, s) back to x, with backward's own rule for xhat and ds/dx = -s^2 xhat / m:
                                     dx_extra = s P(dxhat) - ds s^2 xhat / m

    Parameters ``weight`` (ones) and ``bias`` (zeros) when ``elementwise_affine``; ``rng`` is
    accepted so every layer takes the same arguments.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, rng=None, dtype="float32"):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        require(len(shape) > 0 and all(isinstance(n, int) and n >= 1 for n in shape), "LayerNorm",
                f"normalized_shape must be a positive integer or a tuple of them, got {normalized_shape!r}")
        require(eps > 0, "LayerNorm", f"eps must be positive, got {eps!r}")
        self.normalized_shape, self.eps = shape, eps
        if elementwise_affine:
            self.params["weight"] = np.ones(shape, dtype=dtype)
            self.params["bias"] = np.zeros(shape, dtype=dtype)
        self.zero_grad()

    def output_shape(self, input_shape):
        k = len(self.normalized_shape)
        if len(input_shape) < k + 1 or tuple(input_shape[-k:]) != self.normalized_shape:
            raise LayerInputError(self, f"expected an input of shape (N, ..., "
                                        f"{', '.join(map(str, self.normalized_shape))}), got {tuple(input_shape)}")
        return tuple(input_shape)

    def forward(self, x):
        self.check_input(x)
        xp = get_array_module(x)
        self.axes = tuple(range(x.ndim - len(self.normalized_shape), x.ndim))    # one sample's features
        centred = x - x.mean(axis=self.axes, keepdims=True)
        var = (centred * centred).mean(axis=self.axes, keepdims=True)
        self.inv_std = 1 / xp.sqrt(var + self.eps)                               # s, (N, ..., 1, 1)
        self.xhat = centred * self.inv_std
        if "weight" not in self.params:
            return self.xhat
        return self.xhat * self.params["weight"] + self.params["bias"]

    def backward(self, dy):
        self.check_grad(dy)
        self.dy = dy                                                            # for backward_backward
        samples = tuple(range(dy.ndim - len(self.axes)))
        if self.requires_grad and "weight" in self.params:
            self.accumulate_grad("weight", (dy * self.xhat).sum(axis=samples))
            self.accumulate_grad("bias", dy.sum(axis=samples))
        if not self.needs_input_grad:
            return None
        return self.inv_std * self._project(self._scaled(dy))

    def backward_backward(self, ddx):
        self.check_adjoint(ddx, needs_dy=True)
        s, xhat, dy = self.inv_std, self.xhat, self.dy
        g = self._scaled(dy)
        dg = s * self._project(ddx)
        if self.requires_grad and "weight" in self.params:
            self.accumulate_grad("weight", (dg * dy).sum(axis=tuple(range(dy.ndim - len(self.axes)))))
        dxhat = -s * (g * self._mean(ddx * xhat) + ddx * self._mean(g * xhat))
        ds = (ddx * self._project(g)).sum(axis=self.axes, keepdims=True)
        m = math.prod(self.normalized_shape)
        dx_extra = s * self._project(dxhat) - ds * s * s * xhat / m
        return self._scaled(dg), dx_extra

    def _scaled(self, v):
        """v w: the gradient reaching xhat from a gradient reaching y."""
        return v * self.params["weight"] if "weight" in self.params else v

    def _mean(self, v):
        return v.mean(axis=self.axes, keepdims=True)

    def _project(self, v):
        """P(v) = v - mean(v) - xhat mean(v xhat), per sample."""
        return v - self._mean(v) - self.xhat * self._mean(v * self.xhat)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={'weight' in self.params}"
