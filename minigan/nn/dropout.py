"""Inverted dropout, PyTorch's ``nn.Dropout``."""
from ..backend import as_array_like
from .module import Module, as_generator
from .validation import require


class Dropout(Module):
    """Training: y = x * mask, mask = [u >= p] / (1 - p) with u ~ U(0, 1) drawn per element;
    dx = dy * mask. Eval: y = x, dx = dy. Scaling by 1/(1-p) in training keeps E[y] = x.

    The mask is drawn from ``self.rng`` (a numpy Generator; a seed or Generator may be
    passed), so a run is reproducible and a gradient check can replay the same mask by
    restoring the generator's state.
    """

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        require(isinstance(p, (int, float)) and 0 <= p <= 1, "Dropout", f"p must be in [0, 1], got {p!r}")
        self.p = p
        self.rng = as_generator(rng)

    def forward(self, x):
        self.check_input(x)
        if not self.training or self.p == 0:
            self.mask = None
            return x
        keep = as_array_like(self.rng.random(x.shape) >= self.p, x)    # drawn on the host, moved as 0/1
        scale = 0.0 if self.p >= 1 else 1.0 / (1.0 - self.p)
        self.mask = keep * x.dtype.type(scale)
        return x * self.mask

    def backward(self, dy):
        self.check_grad(dy)
        return dy if self.mask is None else dy * self.mask

    def extra_repr(self):
        return f"p={self.p}"
