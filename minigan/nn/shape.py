"""Layers that only change an array's shape; backward puts the gradient back in the input's shape.

backward is a reshape, linear in dy and free of x: backward_backward reshapes ddx to the
output's shape (ddy) and has no dx_extra (None)."""
import math

from .module import Module
from .validation import LayerInputError, require


class _Reshaping(Module):
    """y = x.reshape(output_shape(x.shape));   dx = dy.reshape(x.shape),   ddy = ddx.reshape(y.shape).
    A subclass gives only its shape rule, ``output_shape``."""

    def forward(self, x):
        self.check_input(x)
        self.x_shape = x.shape
        return x.reshape(self.expected_grad_shape)

    def backward(self, dy):
        self.check_grad(dy)
        return dy.reshape(self.x_shape)

    def backward_backward(self, ddx):
        self.check_adjoint(ddx)
        return ddx.reshape(self.expected_grad_shape), None


class Flatten(_Reshaping):
    """(N, C, H, W) -> (N, C*H*W), like PyTorch's ``nn.Flatten()``;   dx = dy.reshape(x.shape)"""

    def output_shape(self, input_shape):
        return (input_shape[0], math.prod(input_shape[1:]))


class Reshape(_Reshaping):
    """(N, prod(shape)) -> (N, *shape), e.g. ``Reshape(128, 7, 7)``;   dx = dy.reshape(x.shape)"""

    def __init__(self, *shape):
        super().__init__()
        require(len(shape) > 0 and all(isinstance(n, int) and n >= 1 for n in shape), "Reshape",
                f"the target shape must be positive integers, got {shape!r}")
        self.shape = tuple(shape)

    def output_shape(self, input_shape):
        if math.prod(input_shape[1:]) != math.prod(self.shape):
            raise LayerInputError(self, f"cannot reshape input of shape {tuple(input_shape)} to (N, "
                                        f"{', '.join(map(str, self.shape))}): {math.prod(input_shape[1:])} "
                                        f"values per sample, expected {math.prod(self.shape)}")
        return (input_shape[0],) + self.shape

    def extra_repr(self):
        return ", ".join(map(str, self.shape))


class Pack(_Reshaping):
    """PacGAN's packing (Lin et al. 2018): m samples side by side become one input of the discriminator.

        x (N, d...) -> y (N/m, m*d):   y[i] = concat(x[m i], x[m i + 1], ..., x[m i + m - 1])
        dx = dy.reshape(x.shape)

    D then judges m samples at once: a generator that draws m nearly equal samples from one mode
    is easy to tell from m independent real samples, which penalises mode collapse. The batch
    must be a multiple of m; D's first layer takes m times the features.
    """

    def __init__(self, m):
        super().__init__()
        require(isinstance(m, int) and m >= 1, "Pack", f"the pack size must be an integer >= 1, got {m!r}")
        self.m = m

    def output_shape(self, input_shape):
        if input_shape[0] % self.m:
            raise LayerInputError(self, f"a batch of {input_shape[0]} samples cannot be packed in groups of "
                                        f"{self.m}; use a batch size that is a multiple of {self.m}")
        return (input_shape[0] // self.m, self.m * math.prod(input_shape[1:]))

    def extra_repr(self):
        return str(self.m)
