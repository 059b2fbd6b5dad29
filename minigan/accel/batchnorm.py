"""Twins of nn.BatchNorm1d/2d: the same formulas on x as a (rows, C) matrix.

x is viewed channels last, as (m, C) rows (a free view when x came from a channels-last
convolution). The sums sum((x - mu)^2) and sum(dy * xhat) are einsums, sum(x) and sum(dy) are
ones @ rows (the BLAS's matrix-vector product, on all its threads), and xhat is built in the
kept buffer of x - mu (workspace.py). Each pass runs on pieces of the rows on all CPU threads
(parallel.py), a sum as the sum of the pieces' sums. On CuPy with the fused kernels on,
normalising with the affine map, and the input gradient, are one kernel each (fused.py).
"""
from ..backend import get_array_module
from ..nn.batchnorm import BatchNorm1d, BatchNorm2d
from . import fused, workspace
from .parallel import map_rows, on_cpu, sum_rows


class FastBatchNorm:
    """forward and backward of nn.batchnorm._BatchNorm on (rows, C); mixed into both twins."""

    def forward(self, x):
        self.check_input(x)
        xp = get_array_module(x)
        rows = xp.moveaxis(x, 1, -1).reshape(-1, x.shape[1])              # (m, C)
        m = rows.shape[0]
        xhat = workspace.get(self, "xhat", rows.shape, rows)               # x - mu, then xhat, in place
        if self.training:
            mean = column_sums(rows) / m
            var = sum_rows(lambda r, c: centre(r, mean, c), (rows,), (xhat,)) / m
            self._update_running(mean, var, m)
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
            map_rows(lambda r, c: xp.subtract(r, mean, out=c), (rows,), (xhat,))
        inv_std = (1.0 / xp.sqrt(var + self.eps)).astype(x.dtype)
        self.xhat, self.inv_std, self.batch_stats, self.x_shape = xhat, inv_std, self.training, x.shape
        y = xp.empty_like(xhat)
        weight, bias = self.params.get("weight"), self.params.get("bias")
        map_rows(lambda c, out: scale_shift(c, inv_std, weight, bias, out), (xhat,), (y,))
        return unrows(y, x.shape)

    def backward(self, dy):
        self.check_grad(dy)
        xp = get_array_module(dy)
        xhat = self.xhat
        dY = xp.moveaxis(dy, 1, -1).reshape(xhat.shape)                     # free for channels-last dy
        sum_dy = column_sums(dY)
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
            return unrows(dx, self.x_shape)
        m = xhat.shape[0]
        mean_dy, mean_dy_xhat = sum_dy / m, sum_dy_xhat / m
        map_rows(lambda d, h, out: input_grad(d, h, mean_dy, mean_dy_xhat, scale, out), (dY, xhat), (dx,))
        return unrows(dx, self.x_shape)


class FastBatchNorm1d(FastBatchNorm, BatchNorm1d):
    """nn.BatchNorm1d on (rows, C) (see the module docstring)."""


class FastBatchNorm2d(FastBatchNorm, BatchNorm2d):
    """nn.BatchNorm2d on (rows, C) (see the module docstring)."""


def unrows(rows, shape):
    """(m, C) channels-last rows back to an array of ``shape`` (N, C, ...), as a view."""
    xp = get_array_module(rows)
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    return xp.moveaxis(rows.reshape(moved), -1, 1)


def column_sums(rows):
    """Per-channel sums of a (m, C) matrix; on the CPU as ones(m) @ rows, the BLAS's
    matrix-vector product on all its threads, where NumPy's sum over axis 0 runs on one."""
    xp = get_array_module(rows)
    if not on_cpu(rows):
        return rows.sum(axis=0)
    return xp.ones(rows.shape[0], dtype=rows.dtype) @ rows


def centre(rows, mean, out):
    """out = rows - mu; returns this piece's sum of (x - mu)^2 per channel."""
    xp = get_array_module(rows)
    xp.subtract(rows, mean, out=out)
    return xp.einsum("ij,ij->j", out, out)


def scale_shift(centred, inv_std, weight, bias, out):
    """xhat = (x - mu) / std in place of x - mu; out = gamma xhat + beta."""
    if fused.active(out):
        return fused.scale_shift(centred, inv_std, weight, bias, out)
    centred *= inv_std
    if weight is None:
        out[...] = centred
        return
    get_array_module(out).multiply(centred, weight, out=out)
    out += bias


def input_grad(dy, xhat, mean_dy, mean_dy_xhat, scale, out):
    """out = scale * (dy - mean(dy) - xhat mean(dy xhat))."""
    if fused.active(out):
        return fused.input_grad(dy, xhat, mean_dy, mean_dy_xhat, scale, out)
    xp = get_array_module(dy)
    xp.multiply(xhat, mean_dy_xhat, out=out)
    xp.subtract(dy, out, out=out)
    out -= mean_dy
    out *= scale
