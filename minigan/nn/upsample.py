"""Nearest-neighbour upsampling, PyTorch's ``nn.Upsample(scale_factor=s, mode="nearest")``."""
from ..backend import get_array_module
from .conv import pair
from .module import Module
from .validation import require


class Upsample2d(Module):
    """Each pixel repeated s_h times down and s_w times across:

        y[n, c, i, j] = x[n, c, i // s_h, j // s_w]

    Shapes: x (N, C, H, W), y (N, C, s_h H, s_w W).

    Backward: every output pixel copies one input pixel, so an input pixel's gradient is
    the sum of dy over its s_h x s_w block:
        dx[n, c, i, j] = sum_{a < s_h, b < s_w} dy[n, c, s_h i + a, s_w j + b]
    Backward of backward: backward is linear in dy and free of x, so ddy = upsample(ddx)
    (the adjoint of the block sum) and there is no dx_extra (None).
    """

    input_ndims = (4,)

    def __init__(self, scale_factor=2):
        super().__init__()
        self.scale_factor = pair(scale_factor)
        require(len(self.scale_factor) == 2 and all(isinstance(s, int) and s >= 1 for s in self.scale_factor),
                "Upsample2d", f"scale_factor must be a positive integer or a pair of them, got {scale_factor!r}")

    def output_shape(self, input_shape):
        N, C, H, W = input_shape
        sh, sw = self.scale_factor
        return (N, C, sh * H, sw * W)

    def forward(self, x):
        self.check_input(x)
        return upsample_nearest(x, *self.scale_factor)

    def backward(self, dy):
        self.check_grad(dy)
        if not self.needs_input_grad:
            return None
        N, C, H, W = self.input_shape
        sh, sw = self.scale_factor
        return dy.reshape(N, C, H, sh, W, sw).sum(axis=(3, 5))

    def backward_backward(self, ddx):
        self.check_adjoint(ddx)
        return upsample_nearest(ddx, *self.scale_factor), None

    def extra_repr(self):
        return f"scale_factor={self.scale_factor}"


def upsample_nearest(x, sh, sw):
    """(N, C, H, W) -> (N, C, sh H, sw W), every pixel repeated in an sh x sw block."""
    xp = get_array_module(x)
    N, C, H, W = x.shape
    blocks = xp.broadcast_to(x[:, :, :, None, :, None], (N, C, H, sh, W, sw))
    return blocks.reshape(N, C, H * sh, W * sw)                  # a copy: the blocks are views
