"""Batch normalisation over the batch (and spatial) axes, PyTorch's ``BatchNorm1d/2d``."""
import numpy as np

from ..backend import get_array_module
from . import fast, fused, workspace
from .module import Module
from .parallel import map_rows, on_cpu, sum_rows
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

    Fast path (``fast.ENABLED``): the same formulas on x as a (rows, C) matrix, channels
    last (a free view when x came from a channels-last convolution), with the sums
    sum(dy * xhat) and sum((x - mu)^2) done by einsum, sum(x) and sum(dy) as ones @ rows (the
    BLAS), and xhat built in the buffer of x - mu;
    each pass runs on pieces of the rows on all CPU threads (parallel.py), the sums as sums of
    the pieces' sums. On CuPy with ``fast.CUDA_FUSED``, normalising with the affine map, and
    the input gradient, are one kernel each (fused.py).
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
        self.fast = fast.ENABLED
        if self.fast:
            return self._forward_rows(x)
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
        if self.fast:
            return self._backward_rows(dy)
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
        # In place: the buffers keep their identity (and memory), as a captured CUDA graph needs.
        rm, rv, mom = self.buffers["running_mean"], self.buffers["running_var"], self.momentum
        rm[...] = (1 - mom) * rm + mom * mean
        rv[...] = (1 - mom) * rv + mom * var * (m / max(m - 1, 1))

    def _forward_rows(self, x):
        xp = get_array_module(x)
        rows = xp.moveaxis(x, 1, -1).reshape(-1, x.shape[1])              # (m, C)
        m = rows.shape[0]
        xhat = workspace.get(self, "xhat", rows.shape, rows)               # x - mu, then xhat, in place
        if self.training:
            mean = _column_sums(rows) / m
            var = sum_rows(lambda r, c: _centre(r, mean, c), (rows,), (xhat,)) / m
            self._update_running(mean, var, m)
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
            map_rows(lambda r, c: xp.subtract(r, mean, out=c), (rows,), (xhat,))
        inv_std = (1.0 / xp.sqrt(var + self.eps)).astype(x.dtype)
        self.xhat, self.inv_std, self.batch_stats, self.x_shape = xhat, inv_std, self.training, x.shape
        y = xp.empty_like(xhat)
        weight, bias = self.params.get("weight"), self.params.get("bias")
        map_rows(lambda c, out: _scale_shift(c, inv_std, weight, bias, out), (xhat,), (y,))
        return self._unrows(y, x.shape)

    def _backward_rows(self, dy):
        xp = get_array_module(dy)
        xhat = self.xhat
        dY = xp.moveaxis(dy, 1, -1).reshape(xhat.shape)                     # free for channels-last dy
        sum_dy = _column_sums(dY)
        sum_dy_xhat = sum_rows(lambda d, h: xp.einsum("ij,ij->j", d, h), (dY, xhat))
        if self.requires_grad and "weight" in self.params:
            self.accumulate_grad("weight", sum_dy_xhat)
            self.accumulate_grad("bias", sum_dy)
        scale = self.inv_std
        if "weight" in self.params:
            scale = scale * self.params["weight"]
        dx = xp.empty_like(xhat)
        if not self.batch_stats:
            map_rows(lambda d, out: xp.multiply(d, scale, out=out), (dY,), (dx,))
            return self._unrows(dx, self.x_shape)
        m = xhat.shape[0]
        mean_dy, mean_dy_xhat = sum_dy / m, sum_dy_xhat / m
        map_rows(lambda d, h, out: _input_grad(d, h, mean_dy, mean_dy_xhat, scale, out), (dY, xhat), (dx,))
        return self._unrows(dx, self.x_shape)

    @staticmethod
    def _unrows(rows, shape):
        """(m, C) channels-last rows back to an array of ``shape`` (N, C, ...), as a view."""
        xp = get_array_module(rows)
        moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
        return xp.moveaxis(rows.reshape(moved), -1, 1)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


# The fast path's work on a piece of the rows (parallel.py runs the pieces on CPU threads).

def _column_sums(rows):
    """Per-channel sums of a (m, C) matrix. On the CPU as ones(m) @ rows: the BLAS's
    matrix-vector product, on all its threads, is ~3x faster than NumPy's sum over axis 0."""
    xp = get_array_module(rows)
    if not on_cpu(rows):
        return rows.sum(axis=0)
    return xp.ones(rows.shape[0], dtype=rows.dtype) @ rows


def _centre(rows, mean, out):
    """out = rows - mu; returns this piece's sum of (x - mu)^2 per channel."""
    get_array_module(rows).subtract(rows, mean, out=out)
    return get_array_module(rows).einsum("ij,ij->j", out, out)


def _scale_shift(centred, inv_std, weight, bias, out):
    """xhat = (x - mu) / std in place of x - mu; out = gamma xhat + beta."""
    if fused.active(out):
        return fused.scale_shift(centred, inv_std, weight, bias, out)
    centred *= inv_std
    if weight is None:
        out[...] = centred
        return
    get_array_module(out).multiply(centred, weight, out=out)
    out += bias


def _input_grad(dy, xhat, mean_dy, mean_dy_xhat, scale, out):
    """out = scale * (dy - mean(dy) - xhat mean(dy xhat))."""
    if fused.active(out):
        return fused.input_grad(dy, xhat, mean_dy, mean_dy_xhat, scale, out)
    xp = get_array_module(dy)
    xp.multiply(xhat, mean_dy_xhat, out=out)
    xp.subtract(dy, out, out=out)
    out -= mean_dy
    out *= scale


class BatchNorm1d(_BatchNorm):
    input_ndims = (2, 3)
    __doc__ = "Batch norm for (N, C) or (N, C, L) inputs.\n\n" + _BatchNorm.__doc__


class BatchNorm2d(_BatchNorm):
    input_ndims = (4,)
    __doc__ = "Batch norm for (N, C, H, W) inputs.\n\n" + _BatchNorm.__doc__
