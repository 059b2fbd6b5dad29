"""Element-wise activations. Each backward is dy times the derivative at the cached point.

Backward of backward: dx = dy f'(x) element-wise, so for the adjoint ddx of dx
    ddy = ddx f'(x)        dx_extra = ddx dy f''(x)
and f'' = 0 for the piecewise linear ReLU and LeakyReLU (dx_extra None; the kink at 0 has
measure zero, as in PyTorch)."""
from ..backend import get_array_module
from . import fast, fused, workspace
from .module import Module
from .parallel import map_rows, multiply
from .validation import require


def sigmoid(x):
    """1 / (1 + e^-x) computed as exp(-softplus(-x)): no overflow, full precision in both tails."""
    xp = get_array_module(x)
    return xp.exp(-xp.logaddexp(0, -x))


class ReLU(Module):
    """y = max(x, 0);   dx = dy * [x > 0]

    Fast path (``fast.ENABLED``): the same arithmetic on pieces of the batch, on all CPU
    threads at once (parallel.py); on CuPy with ``fast.CUDA_FUSED``, one kernel (fused.py).
    """

    def forward(self, x):
        self.check_input(x)
        if fast.ENABLED:
            self.positive, y = _fast_relu(self, x)
            return y
        self.positive = x > 0
        return x * self.positive

    def backward(self, dy):
        self.check_grad(dy)
        if fast.ENABLED:
            return multiply(dy, self.positive)
        return dy * self.positive

    def backward_backward(self, ddx):
        self.check_adjoint(ddx)
        return ddx * self.positive, None


class LeakyReLU(Module):
    """y = x if x > 0 else a x;   dx = dy if x > 0 else a dy   (a = negative_slope)

    Both passes multiply by the slope dy/dx, 1 where x > 0 and a elsewhere, built with
    arithmetic on the 0/1 mask (exactly 1 + 0 or 0 + a): ``where`` with a data-dependent
    mask branches per element and is ~20x slower on the CPU.

    Fast path (``fast.ENABLED``): the same arithmetic on pieces of the batch, on all CPU
    threads at once (parallel.py); on CuPy with ``fast.CUDA_FUSED``, one kernel (fused.py).
    """

    def __init__(self, negative_slope=0.01):
        super().__init__()
        require(isinstance(negative_slope, (int, float)) and abs(negative_slope) < float("inf"), "LeakyReLU",
                f"negative_slope must be a finite number, got {negative_slope!r}")
        self.negative_slope = negative_slope

    def forward(self, x):
        self.check_input(x)
        a = self.negative_slope
        if fast.ENABLED:
            self.slope, y = _fast_leaky_relu(self, x, a)
            return y
        slope = (x > 0).astype(x.dtype)                   # 1 where x > 0, else 0
        _leaky_slope(slope, a)
        self.slope = slope
        return x * slope

    def backward(self, dy):
        self.check_grad(dy)
        if fast.ENABLED:
            return multiply(dy, self.slope)
        return dy * self.slope

    def backward_backward(self, ddx):
        self.check_adjoint(ddx)
        return ddx * self.slope, None

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


def _leaky_slope(mask, a):
    """The 0/1 mask [x > 0] becomes the slope, 1 or a, in place."""
    if 0 <= a <= 1:
        get_array_module(mask).maximum(mask, a, out=mask)
    else:
        mask += (1 - mask) * a


# The fast paths: one fused kernel on CuPy with fast.CUDA_FUSED (fused.py), else the work on
# pieces of the batch (parallel.map_rows runs the pieces at once on the CPU threads).

def _fast_relu(layer, x):
    """(mask [x > 0], y)."""
    return _in_pieces(layer, fused.relu if fused.active(x) else _relu, x, mask_dtype=bool)


def _fast_leaky_relu(layer, x, a):
    """(slope, y)."""
    fill = fused.leaky_relu if fused.active(x) else _leaky_relu
    return _in_pieces(layer, lambda x, slope, y: fill(x, a, slope, y), x, mask_dtype=x.dtype)


def _in_pieces(layer, fn, x, mask_dtype):
    """(mask, y), both in x's memory layout, filled piece by piece by fn(x, mask, y); the mask,
    which only backward reads, in the layer's workspace."""
    xp = get_array_module(x)
    mask, y = workspace.like(layer, "mask", x, mask_dtype), xp.empty_like(x)
    map_rows(fn, (x,), (mask, y))
    return mask, y


def _relu(x, positive, y):
    xp = get_array_module(x)
    xp.greater(x, 0, out=positive)
    xp.multiply(x, positive, out=y)


def _leaky_relu(x, a, slope, y):
    xp = get_array_module(x)
    xp.greater(x, 0, out=slope)                          # 1.0 where x > 0, else 0.0
    if 0 <= a <= 1:
        # The same slope as _leaky_slope's max(mask, a), as mask (1 - a) + a in x's dtype: 0 + a
        # is a, and (1 - a) + a rounds back to exactly 1 (1 - a is exact for a >= 1/2 and off by
        # at most a quarter of 1's spacing below it otherwise). NumPy's maximum against a scalar
        # runs ~3x slower than a multiply and an add.
        a = x.dtype.type(a)
        xp.multiply(slope, 1 - a, out=slope)
        xp.add(slope, a, out=slope)
    else:
        _leaky_slope(slope, a)
    xp.multiply(x, slope, out=y)


class Tanh(Module):
    """y = tanh(x);   dx = dy * (1 - y^2)

    Backward of backward: d(1 - y^2)/dx = -2 y (1 - y^2), so
        ddy = ddx (1 - y^2),   dx_extra = -2 ddx dy y (1 - y^2)
    """

    def forward(self, x):
        self.check_input(x)
        self.y = get_array_module(x).tanh(x)
        return self.y

    def backward(self, dy):
        self.check_grad(dy)
        self.dy = dy                              # for backward_backward
        return dy * (1 - self.y * self.y)

    def backward_backward(self, ddx):
        self.check_adjoint(ddx, needs_dy=True)
        slope = 1 - self.y * self.y
        return ddx * slope, -2 * ddx * self.dy * self.y * slope


class Sigmoid(Module):
    """y = 1 / (1 + e^-x);   dx = dy * y * (1 - y)"""

    def forward(self, x):
        self.check_input(x)
        self.y = sigmoid(x)
        return self.y

    def backward(self, dy):
        self.check_grad(dy)
        return dy * self.y * (1 - self.y)
