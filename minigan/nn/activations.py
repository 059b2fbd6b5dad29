"""Element-wise activations. Each backward is dy times the derivative at the cached point.

Backward of backward: dx = dy f'(x) element-wise, so for the adjoint ddx of dx
    ddy = ddx f'(x)        dx_extra = ddx dy f''(x)
and f'' = 0 for the piecewise linear ReLU and LeakyReLU (dx_extra None; the kink at 0 has
measure zero, as in PyTorch)."""
from ..backend import get_array_module
from .module import Module
from .validation import require


def sigmoid(x):
    """1 / (1 + e^-x) computed as exp(-softplus(-x)): no overflow, full precision in both tails."""
    xp = get_array_module(x)
    return xp.exp(-xp.logaddexp(0, -x))


class ReLU(Module):
    """y = max(x, 0);   dx = dy * [x > 0]"""

    def forward(self, x):
        self.check_input(x)
        self.positive = x > 0
        return x * self.positive

    def backward(self, dy):
        self.check_grad(dy)
        return dy * self.positive

    def backward_backward(self, ddx):
        self.check_adjoint(ddx)
        return ddx * self.positive, None


class LeakyReLU(Module):
    """y = x if x > 0 else a x;   dx = dy if x > 0 else a dy   (a = negative_slope)

    Both passes multiply by the slope dy/dx, 1 where x > 0 and a elsewhere, built with
    arithmetic on the 0/1 mask rather than ``where``, whose data-dependent choice branches
    per element on the CPU.
    """

    def __init__(self, negative_slope=0.01):
        super().__init__()
        require(isinstance(negative_slope, (int, float)) and abs(negative_slope) < float("inf"), "LeakyReLU",
                f"negative_slope must be a finite number, got {negative_slope!r}")
        self.negative_slope = negative_slope

    def forward(self, x):
        self.check_input(x)
        slope = (x > 0).astype(x.dtype)                   # 1 where x > 0, else 0
        leaky_slope(slope, self.negative_slope)
        self.slope = slope
        return x * slope

    def backward(self, dy):
        self.check_grad(dy)
        return dy * self.slope

    def backward_backward(self, ddx):
        self.check_adjoint(ddx)
        return ddx * self.slope, None

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


def leaky_slope(mask, a):
    """The 0/1 mask [x > 0] becomes the slope, 1 or a, in place."""
    if 0 <= a <= 1:
        get_array_module(mask).maximum(mask, a, out=mask)
    else:
        mask += (1 - mask) * a


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
