"""Transposed 2-D convolution (PyTorch's ``nn.ConvTranspose2d``): the adjoint of Conv2d."""
import math

from .conv import check_conv_arguments, pair
from ..backend import get_array_module
from . import fast, workspace
from .im2col import col2im, col2im_nhwc, im2col, im2col_nhwc, pad2d, pad_nhwc
from .module import Module, as_generator
from .validation import LayerInputError, require


class ConvTranspose2d(Module):
    """Each input pixel scatters a kh x kw patch, weighted by W, onto the output:

        full[n, o, s*i + a, s*j + b] += sum_c x[n, c, i, j] * W[c, o, a, b]
        y = full[:, :, p : p + Ho, p : p + Wo] + b[o]
        Ho = (H - 1) * s - 2p + kh + output_padding

    Shapes: x (N, C, H, W), weight (C, O, kh, kw) as in PyTorch (in before out), bias (O,).

    As matrices, with X = x as (N*H*W, C) and Wm = W.reshape(C, O*kh*kw):
        forward:   cols = X Wm                (N*H*W, O*kh*kw), then full = col2im(cols)
        backward:  dfull = dy zero-padded back to the full canvas
                   dcols = im2col(dfull)      (N*H*W, O*kh*kw)
                   dX  = dcols Wm^T           (N*H*W, C)
                   dWm = X^T dcols            (C, O*kh*kw)
                   db  = sum_{n,i,j} dy       (O,)
    The forward pass is Conv2d's input gradient and the backward pass is Conv2d's forward.

    Initial weights follow PyTorch: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) where PyTorch's
    fan_in for this weight layout is O*kh*kw; ``rng`` is a numpy Generator or a seed.

    Fast path (``fast.ENABLED``): the same products with the columns ordered (kh, kw, O),
    Wm = W.transpose(0, 2, 3, 1).reshape(C, -1), and the canvas kept channels-last; y is an
    (N, O, Ho, Wo) view of (N, Ho, Wo, O) memory.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 bias=True, rng=None, dtype="float32"):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = pair(kernel_size), pair(stride)
        self.padding, self.output_padding = pair(padding), pair(output_padding)
        check_conv_arguments("ConvTranspose2d", in_channels, out_channels, self.kernel_size, self.stride,
                             self.padding)
        require(all(isinstance(o, int) and 0 <= o < s for o, s in zip(self.output_padding, self.stride)),
                "ConvTranspose2d", f"output_padding must be >= 0 and smaller than the stride {self.stride}, "
                                   f"got {self.output_padding}")
        kh, kw = self.kernel_size
        rng = as_generator(rng)
        bound = 1.0 / math.sqrt(out_channels * kh * kw)
        self.params["weight"] = rng.uniform(-bound, bound, (in_channels, out_channels, kh, kw)).astype(dtype)
        if bias:
            self.params["bias"] = rng.uniform(-bound, bound, out_channels).astype(dtype)
        self.zero_grad()

    def _geometry(self, H, W):
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        (ph, pw), (oph, opw) = self.padding, self.output_padding
        Ho = (H - 1) * sh - 2 * ph + kh + oph
        Wo = (W - 1) * sw - 2 * pw + kw + opw
        full = ((H - 1) * sh + kh + oph, (W - 1) * sw + kw + opw)
        return Ho, Wo, full

    input_ndims = (4,)

    def output_shape(self, input_shape):
        N, C, H, W = input_shape
        if C != self.in_channels:
            raise LayerInputError(self, f"expected {self.in_channels} input channels, got input of shape "
                                        f"{tuple(input_shape)} with {C}")
        Ho, Wo, _ = self._geometry(H, W)
        if Ho < 1 or Wo < 1:
            raise LayerInputError(self, f"input of shape {tuple(input_shape)} gives an empty {Ho}x{Wo} output "
                                        f"with padding {self.padding}")
        return (N, self.out_channels, Ho, Wo)

    def forward(self, x):
        self.check_input(x)
        if fast.ENABLED:
            return self._forward_channels_last(x)
        self.channels_last = False
        N, C, H, W = x.shape
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        (sh, sw), (Ho, Wo, (Hf, Wf)) = self.stride, self._geometry(H, W)
        X = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)
        self.X, self.x_shape = X, x.shape
        cols = (X @ self.params["weight"].reshape(C, -1)).reshape(N, H, W, self.out_channels, kh, kw)
        y = col2im(cols, (N, self.out_channels, Hf, Wf), kh, kw, sh, sw)[:, :, ph:ph + Ho, pw:pw + Wo]
        if "bias" in self.params:
            y = y + self.params["bias"].reshape(1, -1, 1, 1)
        return y

    def backward(self, dy):
        self.check_grad(dy)
        if self.channels_last:
            return self._backward_channels_last(dy)
        N, C, H, W = self.x_shape
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        (sh, sw), (Ho, Wo, (Hf, Wf)) = self.stride, self._geometry(H, W)
        Wm = self.params["weight"].reshape(C, -1)
        dfull = pad2d(dy, ph, Hf - ph - Ho, pw, Wf - pw - Wo)
        dcols, _ = im2col(dfull, kh, kw, sh, sw)                             # (N*H*W, O*kh*kw)
        if self.requires_grad:
            self.accumulate_grad("weight", (self.X.T @ dcols).reshape(self.params["weight"].shape))
            if "bias" in self.params:
                self.accumulate_grad("bias", dy.sum(axis=(0, 2, 3)))
        if not self.needs_input_grad:
            return None
        return (dcols @ Wm.T).reshape(N, H, W, C).transpose(0, 3, 1, 2)

    def _forward_channels_last(self, x):
        N, C, H, W = x.shape
        (kh, kw), (ph, pw), O = self.kernel_size, self.padding, self.out_channels
        (sh, sw), (Ho, Wo, (Hf, Wf)) = self.stride, self._geometry(H, W)
        X = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)
        self.X, self.x_shape, self.channels_last = X, x.shape, True
        Wm = self._weight_channels_last()
        cols = get_array_module(X).matmul(X, Wm, out=workspace.get(self, "cols", (N * H * W, Wm.shape[1]), X))
        cols = cols.reshape(N, H, W, kh, kw, O)
        full = col2im_nhwc(cols, (N, Hf, Wf, O), kh, kw, sh, sw)            # fresh, ours to change
        if "bias" in self.params:
            full += self.params["bias"]
        return full[:, ph:ph + Ho, pw:pw + Wo].transpose(0, 3, 1, 2)

    def _backward_channels_last(self, dy):
        N, C, H, W = self.x_shape
        (kh, kw), (ph, pw), O = self.kernel_size, self.padding, self.out_channels
        (sh, sw), (Ho, Wo, (Hf, Wf)) = self.stride, self._geometry(H, W)
        dfull = pad_nhwc(dy.transpose(0, 2, 3, 1), ph, Hf - ph - Ho, pw, Wf - pw - Wo,
                         out=workspace.get(self, "dfull", (N, Hf, Wf, O), dy, zeros=True))
        dcols, _ = im2col_nhwc(dfull, kh, kw, sh, sw,                        # (N*H*W, kh*kw*O)
                               out=workspace.get(self, "dcols", (N * H * W, kh * kw * O), dy))
        if self.requires_grad:
            dW = (self.X.T @ dcols).reshape(C, kh, kw, O)
            self.accumulate_grad("weight", dW.transpose(0, 3, 1, 2))
            if "bias" in self.params:
                self.accumulate_grad("bias", dy.sum(axis=(0, 2, 3)))
        if not self.needs_input_grad:
            return None
        return (dcols @ self._weight_channels_last().T).reshape(N, H, W, C).transpose(0, 3, 1, 2)

    def _weight_channels_last(self):
        """W (C, O, kh, kw) as the (C, kh*kw*O) matrix the channels-last columns need."""
        return self.params["weight"].transpose(0, 2, 3, 1).reshape(self.in_channels, -1)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, output_padding={self.output_padding}, "
                f"bias={'bias' in self.params}")
