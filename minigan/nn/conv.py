"""2-D convolution (PyTorch's ``nn.Conv2d``, which is a cross-correlation) via im2col."""
from .im2col import col2im, im2col, output_size, pad2d
from .module import as_generator
from .validation import LayerInputError, require
from .weighted import WeightedLayer


def pair(v):
    """3 -> (3, 3); (3, 5) stays."""
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def check_conv_arguments(name, in_channels, out_channels, kernel_size, stride, padding):
    """Constructor checks shared by Conv2d and ConvTranspose2d."""
    for what, n in (("in_channels", in_channels), ("out_channels", out_channels)):
        require(isinstance(n, int) and n >= 1, name, f"{what} must be a positive integer, got {n!r}")
    for what, values, low in (("kernel_size", kernel_size, 1), ("stride", stride, 1), ("padding", padding, 0)):
        require(len(values) == 2 and all(isinstance(v, int) and v >= low for v in values), name,
                f"{what} must be an integer >= {low} or a pair of them, got {values!r}")


class Conv2d(WeightedLayer):
    """y[n, o, i, j] = b[o] + sum_{c,a,b} K[o, c, a, b] * xpad[n, c, sh*i + a, sw*j + b]

    Shapes: x (N, C, H, W), weight K (O, C, kh, kw) as in PyTorch, bias (O,),
    y (N, O, Ho, Wo) with Ho = floor((H + 2ph - kh) / sh) + 1. (W is always the width here.)

    As matrices: cols = im2col(xpad), shape (N*Ho*Wo, C*kh*kw), and Km = K.reshape(O, -1):
        forward:   Y = cols Km^T                        (N*Ho*Wo, O)
        backward:  dKm = dY^T cols                      (O, C*kh*kw)
                   db  = sum over rows of dY            (O,)
                   dcols = dY Km, and dx = col2im(dcols) with the padding cut off.
    Backward of backward, for the adjoint ddx of dx: dx is the transposed convolution of dy,
    linear in dy and in K and free of x and b, so with cols' = im2col(pad(ddx)), the columns
    forward would build from ddx (the adjoint of col2im-and-cut is pad-and-im2col):
                   ddY = cols' Km^T   (ddy = conv(ddx), no bias)
                   dKm += dY^T cols'  (from dy and ddx)
                   dx_extra = 0       (None)

    Initial weights are PyTorch's default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    fan_in = C*kh*kw; ``rng`` is a numpy Generator or a seed. Equalised learning rate
    (``equalized_lr=True``, weighted.py): K = c V with c = sqrt(2 / (C*kh*kw)).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 rng=None, dtype="float32", equalized_lr=False):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = pair(kernel_size), pair(stride), pair(padding)
        check_conv_arguments("Conv2d", in_channels, out_channels, self.kernel_size, self.stride, self.padding)
        kh, kw = self.kernel_size
        fan_in = in_channels * kh * kw
        self.init_weight((out_channels, in_channels, kh, kw), out_channels, fan_in, fan_in, as_generator(rng),
                         dtype, bias, equalized_lr)

    input_ndims = (4,)

    def output_shape(self, input_shape):
        N, C, H, W = input_shape
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        if C != self.in_channels:
            raise LayerInputError(self, f"expected {self.in_channels} input channels, got input of shape "
                                        f"{tuple(input_shape)} with {C}")
        if H + 2 * ph < kh or W + 2 * pw < kw:
            raise LayerInputError(self, f"kernel {kh}x{kw} is larger than the padded input {H + 2 * ph}x"
                                        f"{W + 2 * pw} (input shape {tuple(input_shape)}, padding {self.padding})")
        return (N, self.out_channels) + conv_output_shape(self, H, W)

    def forward(self, x):
        self.check_input(x)
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        N = x.shape[0]
        xpad = pad2d(x, ph, ph, pw, pw)
        cols, (Ho, Wo) = im2col(xpad, kh, kw, sh, sw)                   # (N*Ho*Wo, C*kh*kw)
        self.cols, self.xpad_shape, self.x_shape = cols, xpad.shape, x.shape
        y = cols @ self.weight().reshape(self.out_channels, -1).T       # (N*Ho*Wo, O)
        if "bias" in self.params:
            y += self.params["bias"]
        return y.reshape(N, Ho, Wo, self.out_channels).transpose(0, 3, 1, 2)

    def backward(self, dy):
        self.check_grad(dy)
        self.dy = dy                                # for backward_backward
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        K = self.weight()
        N, O, Ho, Wo = dy.shape
        dY = dy.transpose(0, 2, 3, 1).reshape(N * Ho * Wo, O)
        if self.requires_grad:
            self.accumulate_grad("weight", self.weight_grad((dY.T @ self.cols).reshape(K.shape)))
            if "bias" in self.params:
                self.accumulate_grad("bias", dY.sum(axis=0))
        if not self.needs_input_grad:
            return None
        dcols = (dY @ K.reshape(O, -1)).reshape(N, Ho, Wo, self.in_channels, kh, kw)
        dxpad = col2im(dcols, self.xpad_shape, kh, kw, sh, sw)
        H, W = self.x_shape[2:]
        return dxpad[:, :, ph:ph + H, pw:pw + W]

    def backward_backward(self, ddx):
        self.check_adjoint(ddx, needs_dy=True)
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        N, O, Ho, Wo = self.dy.shape
        dY = self.dy.transpose(0, 2, 3, 1).reshape(N * Ho * Wo, O)
        cols, _ = im2col(pad2d(ddx, ph, ph, pw, pw), kh, kw, sh, sw)
        Km = self.weight().reshape(O, -1)
        if self.requires_grad:
            self.accumulate_grad("weight", self.weight_grad((dY.T @ cols).reshape(self.params["weight"].shape)))
        ddY = cols @ Km.T                                               # (N*Ho*Wo, O)
        return ddY.reshape(N, Ho, Wo, O).transpose(0, 3, 1, 2), None

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, {self.weight_repr()}")


def conv_output_shape(layer, H, W):
    """(Ho, Wo) a Conv2d produces for an H x W input."""
    (kh, kw), (sh, sw), (ph, pw) = layer.kernel_size, layer.stride, layer.padding
    return output_size(H, kh, sh, ph), output_size(W, kw, sw, pw)
