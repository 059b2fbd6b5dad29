"""Mini-batch discrimination (Salimans et al. 2016, "Improved Techniques for Training GANs", 3.2)."""
import math

from ..backend import get_array_module
from .module import Module, as_generator
from .validation import LayerInputError, require


class MinibatchDiscrimination(Module):
    """Appends to each sample features that measure how close it is to the rest of the batch,
    so a discriminator can spot a collapsed generator (a batch of near-identical samples).

    Shapes: x (N, A), weight T (A, B*C) with B = num_kernels, C = kernel_dim, y (N, A + B).

    forward:
        M = (x T).reshape(N, B, C)
        c_b(i, j) = exp(-||M_{i,b} - M_{j,b}||_1)                     (N, N, B)
        o_{i,b}   = sum_{j != i} c_b(i, j)                             (N, B)
        y = concat([x, o], axis=1)
    The self term j = i is left out: it is always e^0 = 1 and tells nothing. So a batch of
    identical samples gives o = N - 1 in every kernel, a batch of far-apart samples o ~ 0,
    and a batch of one sample o = 0.

    backward, with dy = dL/dy (N, A + B) and do = dy[:, A:]; c_b(i, j) = c_b(j, i) enters
    both o_i and o_j, so both upstream gradients reach M_i:
        dM_{i,b,:} = -sum_j (do_{i,b} + do_{j,b}) c_b(i, j) sign(M_{i,b,:} - M_{j,b,:})
        dT = x^T dM.reshape(N, B*C)                                    (A, B*C)
        dx = dy[:, :A] + dM.reshape(N, B*C) T^T                        (N, A)
    The L1 norm has a kink where M_{i,b,k} = M_{j,b,k}; sign(0) = 0 picks the zero subgradient.

    Initial T ~ N(0, 1/A) (standard deviation 1/sqrt(A)), so M has about the scale of x
    whatever the width; ``rng`` is a numpy Generator or a seed. The cost is O(N^2 B C)
    time and memory: one (N, N, B, C) array of differences.
    """

    input_ndims = (2,)

    def __init__(self, in_features, num_kernels, kernel_dim, rng=None, dtype="float32"):
        super().__init__()
        for name, n in (("in_features", in_features), ("num_kernels", num_kernels), ("kernel_dim", kernel_dim)):
            require(isinstance(n, int) and n >= 1, "MinibatchDiscrimination",
                    f"{name} must be a positive integer, got {n!r}")
        self.in_features, self.num_kernels, self.kernel_dim = in_features, num_kernels, kernel_dim
        rng = as_generator(rng)
        std = 1.0 / math.sqrt(in_features)
        self.params["weight"] = (rng.standard_normal((in_features, num_kernels * kernel_dim)) * std).astype(dtype)
        self.zero_grad()

    def output_shape(self, input_shape):
        if input_shape[1] != self.in_features:
            raise LayerInputError(self, f"expected {self.in_features} input features, got input of shape "
                                        f"{tuple(input_shape)}")
        return (input_shape[0], self.in_features + self.num_kernels)

    def forward(self, x):
        self.check_input(x)
        xp = get_array_module(x)
        N, B, C = x.shape[0], self.num_kernels, self.kernel_dim
        M = (x @ self.params["weight"]).reshape(N, B, C)
        diff = M[:, None] - M[None, :]                              # (N, N, B, C): M_i - M_j
        others = (1 - xp.eye(N, dtype=M.dtype))[:, :, None]         # (N, N, 1): drops j = i
        c = xp.exp(-xp.abs(diff).sum(axis=3)) * others              # (N, N, B)
        self.x, self.diff, self.c = x, diff, c
        return xp.concatenate([x, c.sum(axis=1)], axis=1)

    def backward(self, dy):
        self.check_grad(dy)
        if not (self.requires_grad or self.needs_input_grad):
            return None
        xp = get_array_module(dy)
        A, N = self.in_features, dy.shape[0]
        do = dy[:, A:]                                              # (N, B)
        pair = (do[:, None] + do[None, :]) * self.c                 # (N, N, B)
        dM = -(pair[..., None] * xp.sign(self.diff)).sum(axis=1)    # (N, B, C)
        dM = dM.reshape(N, -1)
        if self.requires_grad:
            self.accumulate_grad("weight", self.x.T @ dM)
        if not self.needs_input_grad:
            return None
        return dy[:, :A] + dM @ self.params["weight"].T

    def extra_repr(self):
        return f"{self.in_features}, num_kernels={self.num_kernels}, kernel_dim={self.kernel_dim}"
