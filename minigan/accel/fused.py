"""Fused CUDA kernels for the accelerated layers on CuPy: one kernel launch where the readable
code launches one per array operation.

A small network's step on a GPU is bound by launches (each CuPy operation costs Python and
driver time, whatever its size), not by arithmetic. These kernels do the
element-wise work of a layer or of Adam in one launch, with the same formulas, in the same
order, as the readable code beside them:

    adam(p, g, m, v, ...)         the whole Adam update of one parameter   (13 launches otherwise)
    relu(x, positive, y)          ReLU's forward and its mask              (2)
    leaky_relu(x, a, slope, y)    LeakyReLU's forward and its slope        (3)
    scale_shift(xhat, ...)        batch norm: xhat = (x - mu) / std, y = gamma xhat + beta  (3)
    input_grad(dy, xhat, ...)     batch norm's dx in training mode         (4)

Only where ``active(x)``: ``ENABLED`` (off unless $MINIGAN_CUDA_FUSED=1 or inside
``enabled()``) and x a CuPy array. The kernels
are built from the data's own array module (``xp.ElementwiseKernel``), so CuPy is never
imported here, and compiled by CuPy on first use for each dtype, with ``--fmad=false``: no
a * b + c contracted into one rounding, so every operation rounds as the readable path's
does and the results are the same bit for bit (tests/accel/test_fused.py: on a GPU, and the
bodies compiled as C++ for the CPU). They are off by default until those tests have passed
on a GPU.
"""
import os
from contextlib import contextmanager

from ..backend import device_of, get_array_module

ENABLED = os.environ.get("MINIGAN_CUDA_FUSED", "") == "1"

# name: (inputs, outputs, CUDA C++ body). Outputs named in an input role are read, then written.
_SOURCES = {
    "adam": (
        "T g, T b1, T one_minus_b1, T b2, T one_minus_b2, T step_size, T bias2_sqrt, T eps, T weight_decay",
        "T p, T m, T v",
        """
        T grad = weight_decay == 0 ? g : g + weight_decay * p;
        m = b1 * m + one_minus_b1 * grad;
        v = b2 * v + one_minus_b2 * (grad * grad);
        p -= step_size * (m / (sqrt(v) / bias2_sqrt + eps));
        """),
    "relu": ("T x", "bool positive, T y", "positive = x > 0; y = x * (T)positive;"),
    "leaky_relu": ("T x, T a", "T slope, T y", "slope = x > 0 ? (T)1 : a; y = x * slope;"),
    "scale_shift": ("T inv_std, T weight, T bias", "T xhat, T y",
                    "xhat = xhat * inv_std; y = xhat * weight + bias;"),
    "scale": ("T inv_std", "T xhat, T y", "xhat = xhat * inv_std; y = xhat;"),
    "input_grad": ("T dy, T xhat, T mean_dy, T mean_dy_xhat, T scale", "T dx",
                   "dx = (dy - xhat * mean_dy_xhat - mean_dy) * scale;"),
}
_kernels = {}


@contextmanager
def enabled(on=True):
    """Run the enclosed block with the fused CUDA kernels on (or off)."""
    global ENABLED
    before, ENABLED = ENABLED, on
    try:
        yield
    finally:
        ENABLED = before


def active(x):
    """True where the fused kernels replace the accelerated layers' array operations."""
    return ENABLED and device_of(x) == "cuda"


def _kernel(name, x):
    if name not in _kernels:
        inputs, outputs, body = _SOURCES[name]
        _kernels[name] = get_array_module(x).ElementwiseKernel(inputs, outputs, body, f"minigan_{name}",
                                                               options=("--fmad=false",))
    return _kernels[name]


def adam(p, g, m, v, betas, eps, weight_decay, step_size, bias2_sqrt):
    """optim.Adam's update at step t, in place on p, m, v (PyTorch's form):
        g <- g + weight_decay p,   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2
        p <- p - step_size * m / (sqrt(v) / bias2_sqrt + eps)
    with step_size = lr / (1 - b1^t) and bias2_sqrt = sqrt(1 - b2^t) from ``Adam.bias_corrections``,
    floats computed on the host as the readable path does."""
    b1, b2 = betas
    _kernel("adam", p)(g, b1, 1 - b1, b2, 1 - b2, step_size, bias2_sqrt, eps, weight_decay, p, m, v)


def relu(x, positive, y):
    """positive = [x > 0], y = x * positive, into the given arrays (the ReLU forward of accel/activations.py)."""
    _kernel("relu", x)(x, positive, y)


def leaky_relu(x, a, slope, y):
    """slope = 1 where x > 0, else a; y = x * slope, into the given arrays (the LeakyReLU forward of accel/activations.py)."""
    _kernel("leaky_relu", x)(x, x.dtype.type(a), slope, y)


def scale_shift(centred, inv_std, weight, bias, out):
    """In place, centred (x - mu) becomes xhat = (x - mu) inv_std; out = weight xhat + bias
    (out = xhat without the affine parameters). Per-channel arrays broadcast over the rows."""
    if weight is None:
        _kernel("scale", centred)(inv_std, centred, out)
    else:
        _kernel("scale_shift", centred)(inv_std, weight, bias, centred, out)


def input_grad(dy, xhat, mean_dy, mean_dy_xhat, scale, out):
    """out = scale * (dy - xhat mean(dy xhat) - mean(dy)): batch norm's dx with batch statistics."""
    _kernel("input_grad", dy)(dy, xhat, mean_dy, mean_dy_xhat, scale, out)
