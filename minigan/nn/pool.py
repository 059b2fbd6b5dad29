"""Average pooling, PyTorch's ``nn.AvgPool2d(kernel_size, stride)`` (no padding)."""
from ..backend import get_array_module
from .conv import pair
from .im2col import output_size
from .module import Module
from .validation import LayerInputError, require


class AvgPool2d(Module):
    """The mean of each kh x kw window, windows sh, sw apart:

        y[n, c, i, j] = 1/(kh kw) sum_{a < kh, b < kw} x[n, c, sh i + a, sw j + b]

    Shapes: x (N, C, H, W), y (N, C, Ho, Wo) with Ho = floor((H - kh) / sh) + 1, Wo alike;
    stride defaults to the kernel size (non-overlapping windows: AvgPool2d(2) halves H and W).

    Written as a sum over the kh*kw offsets (a, b): each offset contributes the strided slice
    x[:, :, a::sh, b::sw] (Ho x Wo of it). Backward sends each output's gradient back to every
    pixel of its window, again offset by offset:
        dx[n, c, sh i + a, sw j + b] += dy[n, c, i, j] / (kh kw)
    Backward of backward: backward is linear in dy and free of x, so ddy = avgpool(ddx) and
    there is no dx_extra (None).
    """

    input_ndims = (4,)

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        self.kernel_size = pair(kernel_size)
        self.stride = self.kernel_size if stride is None else pair(stride)
        for what, values in (("kernel_size", self.kernel_size), ("stride", self.stride)):
            require(len(values) == 2 and all(isinstance(v, int) and v >= 1 for v in values), "AvgPool2d",
                    f"{what} must be a positive integer or a pair of them, got {values!r}")

    def output_shape(self, input_shape):
        N, C, H, W = input_shape
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        if H < kh or W < kw:
            raise LayerInputError(self, f"kernel {kh}x{kw} is larger than the input {H}x{W} "
                                        f"(input shape {tuple(input_shape)})")
        return (N, C, output_size(H, kh, sh, 0), output_size(W, kw, sw, 0))

    def forward(self, x):
        self.check_input(x)
        return self._pool(x)

    def backward(self, dy):
        self.check_grad(dy)
        if not self.needs_input_grad:
            return None
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        Ho, Wo = dy.shape[2:]
        dx = get_array_module(dy).zeros(self.input_shape, dtype=dy.dtype)
        share = dy / (kh * kw)
        for a in range(kh):
            for b in range(kw):
                dx[:, :, a:a + sh * (Ho - 1) + 1:sh, b:b + sw * (Wo - 1) + 1:sw] += share
        return dx

    def backward_backward(self, ddx):
        self.check_adjoint(ddx)
        return self._pool(ddx), None

    def _pool(self, x):
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        _, _, Ho, Wo = self.output_shape(x.shape)
        total = 0
        for a in range(kh):
            for b in range(kw):
                total = total + x[:, :, a:a + sh * (Ho - 1) + 1:sh, b:b + sw * (Wo - 1) + 1:sw]
        return total / (kh * kw)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"
