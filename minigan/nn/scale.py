"""Multiplication by a fixed constant: the equalised learning rate for any linear layer."""
from .module import Module
from .validation import require


class Scale(Module):
    """y = c x,   dx = c dy   (c a fixed number, not trained)

    A linear layer f(x; W) run on c x computes f(x; c W), and its weight gradient is c times
    the one it would get on x: ``Sequential(Scale(c), layer)`` with layer's weights stored
    N(0, 1) is that layer with the equalised learning rate (Karras et al. 2018, 4.1), for
    layers without an ``equalized_lr`` option of their own (ConvTranspose2d).
    Backward of backward: ddy = c ddx, no dx_extra (None).
    """

    def __init__(self, factor):
        super().__init__()
        require(isinstance(factor, (int, float)) and factor == factor and abs(factor) != float("inf"), "Scale",
                f"factor must be a finite number, got {factor!r}")
        self.factor = float(factor)

    def forward(self, x):
        self.check_input(x)
        return x * self.factor

    def backward(self, dy):
        self.check_grad(dy)
        if not self.needs_input_grad:
            return None
        return dy * self.factor

    def backward_backward(self, ddx):
        self.check_adjoint(ddx)
        return ddx * self.factor, None

    def extra_repr(self):
        return f"{self.factor:g}"
