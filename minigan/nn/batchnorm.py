"""Batch normalisation over the batch (and spatial) axes, PyTorch's ``BatchNorm1d/2d``."""
import numpy as np

from ..backend import get_array_module
from .module import Module
from .validation import LayerInputError, require


class _BatchNorm(Module):
    """Per channel c, with statistics over every axis but the channel axis 1 (m values):

    forward (training):
        mu = mean(x),  var = mean((x - mu)^2)          (biased, as PyTorch normalises)
        xhat = (x - mu) / sqrt(var + eps)
        y = gamma * xhat + beta
        running_mean <- (1 - momentum) running_mean + momentum mu
        running_var  <- (1 - momentum) running_var  + momentum var * m / (m - 1)   (unbiased)
    forward (eval): the same with running_mean, running_var in place of mu, var.

    backward (training), every statistic depends on every x in the channel:
        dgamma = sum(dy * xhat),  dbeta = sum(dy)
        dx = gamma / sqrt(var + eps) * (dy - mean(dy) - xhat * mean(dy * xhat))
    backward (eval), the statistics are constants:
        dx = gamma / sqrt(running_var + eps) * dy

    Parameters ``weight`` (gamma, ones) and ``bias`` (beta, zeros); buffers
    ``running_mean`` (zeros) and ``running_var`` (ones), all of shape (C,). ``rng`` is
    accepted so every layer takes the same arguments; these start values are fixed.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, rng=None, dtype="float32"):
        super().__init__()
        name = type(self).__name__
        require(isinstance(num_features, int) and num_features >= 1, name,
                f"num_features must be a positive integer, got {num_features!r}")
        require(eps > 0, name, f"eps must be positive, got {eps!r}")
        require(0 <= momentum <= 1, name, f"momentum must be in [0, 1], got {momentum!r}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        if affine:
            self.params["weight"] = np.ones(num_features, dtype=dtype)
            self.params["bias"] = np.zeros(num_features, dtype=dtype)
        self.buffers["running_mean"] = np.zeros(num_features, dtype=dtype)
        self.buffers["running_var"] = np.ones(num_features, dtype=dtype)
        self.zero_grad()

    def output_shape(self, input_shape):
        if input_shape[1] != self.num_features:
            raise LayerInputError(self, f"expected {self.num_features} channels, got input of shape "
                                        f"{tuple(input_shape)}")
        if self.training and int(np.prod(input_shape)) // input_shape[1] < 2:
            raise LayerInputError(self, f"needs more than one value per channel in training, got input of "
                                        f"shape {tuple(input_shape)}; use a larger batch or eval()")
        return tuple(input_shape)

    def _channel_shape(self, x):
        # (1, C) for (N, C); (1, C, 1, 1) for (N, C, H, W): broadcasts a per-channel vector.
        return (1, -1) + (1,) * (x.ndim - 2)

    def forward(self, x):
        self.check_input(x)
        axes = (0,) + tuple(range(2, x.ndim))
        shape = self._channel_shape(x)
        if self.training:
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)
            self._update_running(mean, var, x.size // x.shape[1])
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
        xp = get_array_module(x)
        inv_std = (1.0 / xp.sqrt(var + self.eps)).astype(x.dtype)
        xhat = (x - mean.reshape(shape)) * inv_std.reshape(shape)
        self.xhat, self.inv_std, self.axes, self.shape = xhat, inv_std, axes, shape
        self.batch_stats = self.training
        if "weight" not in self.params:
            return xhat
        return xhat * self.params["weight"].reshape(shape) + self.params["bias"].reshape(shape)

    def backward(self, dy):
        self.check_grad(dy)
        xhat, axes, shape = self.xhat, self.axes, self.shape
        if self.requires_grad and "weight" in self.params:
            self.accumulate_grad("weight", (dy * xhat).sum(axis=axes))
            self.accumulate_grad("bias", dy.sum(axis=axes))
        scale = self.inv_std
        if "weight" in self.params:
            scale = scale * self.params["weight"]
        if not self.batch_stats:
            return dy * scale.reshape(shape)
        dy_mean = dy.mean(axis=axes, keepdims=True)
        dy_xhat_mean = (dy * xhat).mean(axis=axes, keepdims=True)
        return scale.reshape(shape) * (dy - dy_mean - xhat * dy_xhat_mean)

    def _update_running(self, mean, var, m):
        # In place: the buffers keep their identity and device (the accelerated layers share them).
        rm, rv, mom = self.buffers["running_mean"], self.buffers["running_var"], self.momentum
        rm[...] = (1 - mom) * rm + mom * mean
        rv[...] = (1 - mom) * rv + mom * var * (m / max(m - 1, 1))

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm):
    input_ndims = (2, 3)
    __doc__ = "Batch norm for (N, C) or (N, C, L) inputs.\n\n" + _BatchNorm.__doc__


class BatchNorm2d(_BatchNorm):
    input_ndims = (4,)
    __doc__ = "Batch norm for (N, C, H, W) inputs.\n\n" + _BatchNorm.__doc__
