"""Pixel-wise feature normalisation (Karras et al. 2018, "Progressive Growing of GANs", 4.2)."""
from ..backend import get_array_module
from .module import Module
from .validation import require


class PixelNorm(Module):
    """Each pixel's feature vector scaled to unit root-mean-square over the channels:

        r = 1 / sqrt(mean_c(x^2) + eps),    y = x r          (mean over axis 1, C values)

    Shapes: x (N, C, H, W) or (N, C); r (N, 1, H, W) or (N, 1); y like x. No parameters:
    it keeps a generator's activations from escalating without batch norm's mixing of samples.

    Backward, with dr/dx_k = -r^3 x_k / C:
        dx = r (dy - y mean_c(dy y))
    Backward of backward, for the adjoint ddx of dx (linear in dy for fixed x):
        ddy = r (ddx - y mean_c(ddx y))                       (the same map: it is self-adjoint)
        dx_extra, from r and y depending on x, with u = mean_c(dy y), v = mean_c(ddx y),
                  w = mean_c(ddx dy):
            dx_extra = r^2 (-ddx u - dy v - y w + 3 y u v)
    """

    input_ndims = (2, 4)

    def __init__(self, eps=1e-8):
        super().__init__()
        require(eps > 0, "PixelNorm", f"eps must be positive, got {eps!r}")
        self.eps = eps

    def forward(self, x):
        self.check_input(x)
        xp = get_array_module(x)
        eps = max(self.eps, float(xp.finfo(x.dtype).tiny))        # 1e-8 would round to 0 in float16
        self.inv_rms = 1 / xp.sqrt((x * x).mean(axis=1, keepdims=True) + eps)    # r
        self.y = x * self.inv_rms
        return self.y

    def backward(self, dy):
        self.check_grad(dy)
        self.dy = dy                                      # for backward_backward
        if not self.needs_input_grad:
            return None
        return self._project(dy)

    def backward_backward(self, ddx):
        self.check_adjoint(ddx, needs_dy=True)
        r, y, dy = self.inv_rms, self.y, self.dy
        u, v, w = self._mean(dy * y), self._mean(ddx * y), self._mean(ddx * dy)
        dx_extra = r * r * (3 * y * u * v - ddx * u - dy * v - y * w)
        return self._project(ddx), dx_extra

    def _mean(self, a):
        return a.mean(axis=1, keepdims=True)

    def _project(self, g):
        """r (g - y mean_c(g y)): the gradient reaching x from a gradient reaching y."""
        return self.inv_rms * (g - self.y * self._mean(g * self.y))

    def extra_repr(self):
        return f"eps={self.eps}"
