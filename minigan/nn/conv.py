"""2-D convolution (PyTorch's ``nn.Conv2d``, which is a cross-correlation) via im2col."""
import math

import numpy as np

from ..backend import get_array_module
from . import fast, workspace
from .im2col import col2im, col2im_nhwc, im2col, im2col_nhwc, output_size, pad2d, pad_nhwc
from .module import Module, as_generator
from .validation import LayerInputError, require


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


class Conv2d(Module):
    """y[n, o, i, j] = b[o] + sum_{c,a,b} W[o, c, a, b] * xpad[n, c, sh*i + a, sw*j + b]

    Shapes: x (N, C, H, W), weight (O, C, kh, kw) as in PyTorch, bias (O,),
    y (N, O, Ho, Wo) with Ho = floor((H + 2ph - kh) / sh) + 1.

    As matrices: cols = im2col(xpad), shape (N*Ho*Wo, C*kh*kw), and Wm = W.reshape(O, -1):
        forward:   Y = cols Wm^T                        (N*Ho*Wo, O)
        backward:  dWm = dY^T cols                      (O, C*kh*kw)
                   db  = sum over rows of dY            (O,)
                   dcols = dY Wm, and dx = col2im(dcols) with the padding cut off.
    Backward of backward, for the adjoint ddx of dx: dx is the transposed convolution of dy,
    linear in dy and in W and free of x and b, so with cols' = im2col(pad(ddx)), the columns
    forward would build from ddx (the adjoint of col2im-and-cut is pad-and-im2col):
                   ddY = cols' Wm^T   (ddy = conv(ddx), no bias)
                   dWm += dY^T cols'  (from dy and ddx)
                   dx_extra = 0       (None)

    Initial weights are PyTorch's default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    fan_in = C*kh*kw; ``rng`` is a numpy Generator or a seed.

    Equalised learning rate (``equalized_lr=True``, Karras et al. 2018, 4.1): the stored
    weight V ~ N(0, 1) (bias 0) is scaled at run time by He's constant c = sqrt(2 / fan_in),
    W = c V; the formulas above hold with W = c V, and dV = c dW.

    Fast path (``fast.ENABLED``): the same products with x read channels-last and the
    columns ordered (kh, kw, C), Wm = W.transpose(0, 2, 3, 1).reshape(O, -1); y is an
    (N, O, Ho, Wo) view of (N, Ho, Wo, O) memory, which the next layer reads cheaply.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 rng=None, dtype="float32", equalized_lr=False):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = pair(kernel_size), pair(stride), pair(padding)
        check_conv_arguments("Conv2d", in_channels, out_channels, self.kernel_size, self.stride, self.padding)
        kh, kw = self.kernel_size
        rng = as_generator(rng)
        self.weight_scale = math.sqrt(2.0 / (in_channels * kh * kw)) if equalized_lr else None
        if equalized_lr:
            self.params["weight"] = rng.standard_normal((out_channels, in_channels, kh, kw)).astype(dtype)
            if bias:
                self.params["bias"] = np.zeros(out_channels, dtype=dtype)
        else:
            bound = 1.0 / math.sqrt(in_channels * kh * kw)
            self.params["weight"] = rng.uniform(-bound, bound, (out_channels, in_channels, kh, kw)).astype(dtype)
            if bias:
                self.params["bias"] = rng.uniform(-bound, bound, out_channels).astype(dtype)
        self.zero_grad()

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
        if fast.ENABLED:
            return self._forward_channels_last(x)
        self.channels_last = False
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        ph, pw = self.padding
        W = self.weight()
        xpad = pad2d(x, ph, ph, pw, pw)
        cols, (Ho, Wo) = im2col(xpad, kh, kw, sh, sw)
        self.cols, self.xpad_shape, self.x_shape = cols, xpad.shape, x.shape
        y = cols @ W.reshape(self.out_channels, -1).T                   # (N*Ho*Wo, O)
        if "bias" in self.params:
            y += self.params["bias"]
        N = x.shape[0]
        return y.reshape(N, Ho, Wo, self.out_channels).transpose(0, 3, 1, 2)

    def backward(self, dy):
        self.check_grad(dy)
        self.dy = dy                                # for backward_backward
        if self.channels_last:
            return self._backward_channels_last(dy)
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        ph, pw = self.padding
        W = self.weight()
        N, O, Ho, Wo = dy.shape
        dY = dy.transpose(0, 2, 3, 1).reshape(N * Ho * Wo, O)
        if self.requires_grad:
            self.accumulate_grad("weight", self.weight_grad((dY.T @ self.cols).reshape(W.shape)))
            if "bias" in self.params:
                self.accumulate_grad("bias", dY.sum(axis=0))
        if not self.needs_input_grad:
            return None
        dcols = (dY @ W.reshape(O, -1)).reshape(N, Ho, Wo, self.in_channels, kh, kw)
        dxpad = col2im(dcols, self.xpad_shape, kh, kw, sh, sw)
        H, Wd = self.x_shape[2:]
        return dxpad[:, :, ph:ph + H, pw:pw + Wd]

    def _forward_channels_last(self, x):
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        N, C, H, W = x.shape
        Ho, Wo = conv_output_shape(self, H, W)
        xpad = pad_nhwc(x.transpose(0, 2, 3, 1), ph, ph, pw, pw,            # (N, Hp, Wp, C)
                        out=workspace.get(self, "xpad", (N, H + 2 * ph, W + 2 * pw, C), x, zeros=True))
        cols, _ = im2col_nhwc(xpad, kh, kw, sh, sw,                         # (N*Ho*Wo, kh*kw*C)
                              out=workspace.get(self, "cols", (N * Ho * Wo, kh * kw * C), x))
        self.cols, self.xpad_shape, self.x_shape, self.channels_last = cols, xpad.shape, x.shape, True
        y = cols @ self._weight_channels_last().T                           # (N*Ho*Wo, O)
        if "bias" in self.params:
            y += self.params["bias"]
        return y.reshape(x.shape[0], Ho, Wo, self.out_channels).transpose(0, 3, 1, 2)

    def _backward_channels_last(self, dy):
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        N, O, Ho, Wo = dy.shape
        dY = dy.transpose(0, 2, 3, 1).reshape(N * Ho * Wo, O)               # free for channels-last dy
        if self.requires_grad:
            dW = (dY.T @ self.cols).reshape(O, kh, kw, self.in_channels)
            self.accumulate_grad("weight", self.weight_grad(dW.transpose(0, 3, 1, 2)))
            if "bias" in self.params:
                self.accumulate_grad("bias", dY.sum(axis=0))
        if not self.needs_input_grad:
            return None
        Wm = self._weight_channels_last()
        dcols = get_array_module(dY).matmul(dY, Wm, out=workspace.get(self, "dcols", (N * Ho * Wo, Wm.shape[1]), dY))
        dcols = dcols.reshape(N, Ho, Wo, kh, kw, self.in_channels)
        dxpad = col2im_nhwc(dcols, self.xpad_shape, kh, kw, sh, sw)         # (N, Hp, Wp, C)
        H, Wd = self.x_shape[2:]
        return dxpad[:, ph:ph + H, pw:pw + Wd].transpose(0, 3, 1, 2)

    def backward_backward(self, ddx):
        self.check_adjoint(ddx, needs_dy=True)
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        N, O, Ho, Wo = self.dy.shape
        dY = self.dy.transpose(0, 2, 3, 1).reshape(N * Ho * Wo, O)
        if self.channels_last:                      # the layout of the last forward
            cols, _ = im2col_nhwc(pad_nhwc(ddx.transpose(0, 2, 3, 1), ph, ph, pw, pw), kh, kw, sh, sw)
            Wm = self._weight_channels_last()
        else:
            cols, _ = im2col(pad2d(ddx, ph, ph, pw, pw), kh, kw, sh, sw)
            Wm = self.weight().reshape(O, -1)
        if self.requires_grad:
            dW = dY.T @ cols                                                # (O, kh*kw*C) or (O, C*kh*kw)
            if self.channels_last:
                dW = dW.reshape(O, kh, kw, self.in_channels).transpose(0, 3, 1, 2)
            self.accumulate_grad("weight", self.weight_grad(dW.reshape(self.params["weight"].shape)))
        ddY = cols @ Wm.T                                                   # (N*Ho*Wo, O)
        return ddY.reshape(N, Ho, Wo, O).transpose(0, 3, 1, 2), None

    def _weight_channels_last(self):
        """W (O, C, kh, kw) as the (O, kh*kw*C) matrix the channels-last columns need."""
        return self.weight().transpose(0, 2, 3, 1).reshape(self.out_channels, -1)

    def weight(self):
        """W as forward uses it: the stored weight, times c with the equalised learning rate."""
        W = self.params["weight"]
        return W if self.weight_scale is None else W * self.weight_scale

    def weight_grad(self, dW):
        """The stored weight's gradient from W's: dV = c dW (dW itself without the scale)."""
        return dW if self.weight_scale is None else dW * self.weight_scale

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={'bias' in self.params}"
                + (", equalized_lr=True" if self.weight_scale is not None else ""))


def conv_output_shape(layer, H, W):
    """(Ho, Wo) a Conv2d produces for an H x W input."""
    (kh, kw), (sh, sw), (ph, pw) = layer.kernel_size, layer.stride, layer.padding
    return output_size(H, kh, sh, ph), output_size(W, kw, sw, pw)
