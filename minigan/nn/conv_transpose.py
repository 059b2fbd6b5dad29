"""Transposed 2-D convolution (PyTorch's ``nn.ConvTranspose2d``): the adjoint of Conv2d."""
from .conv import check_conv_arguments, pair
from .im2col import col2im, im2col, pad2d
from .module import as_generator
from .validation import LayerInputError, require
from .weighted import WeightedLayer


class ConvTranspose2d(WeightedLayer):
    """Each input pixel scatters a kh x kw patch, weighted by the kernel K, onto the output:

        full[n, o, s*i + a, s*j + b] += sum_c x[n, c, i, j] * K[c, o, a, b]
        y = full[:, :, p : p + Ho, p : p + Wo] + b[o]
        Ho = (H - 1) * s - 2p + kh + output_padding

    Shapes: x (N, C, H, W), weight K (C, O, kh, kw) as in PyTorch (in before out), bias (O,).

    As matrices, with X = x as (N*H*W, C) and Km = K.reshape(C, O*kh*kw):
        forward:   cols = X Km                (N*H*W, O*kh*kw), then full = col2im(cols)
        backward:  dfull = dy zero-padded back to the full canvas
                   dcols = im2col(dfull)      (N*H*W, O*kh*kw)
                   dX  = dcols Km^T           (N*H*W, C)
                   dKm = X^T dcols            (C, O*kh*kw)
                   db  = sum_{n,i,j} dy       (O,)
    The forward pass is Conv2d's input gradient and the backward pass is Conv2d's forward.

    Initial weights follow PyTorch: U(-1/sqrt(k), 1/sqrt(k)) where PyTorch's fan_in for this
    weight layout is k = O*kh*kw; ``rng`` is a numpy Generator or a seed. Equalised learning
    rate (``equalized_lr=True``, weighted.py): K = c V with c = sqrt(2 / fan_in) and fan_in =
    C*kh*kw / (sh*sw), the taps that reach one output pixel (C*2*2 for a 4x4 kernel at stride 2).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 bias=True, rng=None, dtype="float32", equalized_lr=False):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = pair(kernel_size), pair(stride)
        self.padding, self.output_padding = pair(padding), pair(output_padding)
        check_conv_arguments("ConvTranspose2d", in_channels, out_channels, self.kernel_size, self.stride,
                             self.padding)
        require(all(isinstance(o, int) and 0 <= o < s for o, s in zip(self.output_padding, self.stride)),
                "ConvTranspose2d", f"output_padding must be >= 0 and smaller than the stride {self.stride}, "
                                   f"got {self.output_padding}")
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        self.init_weight((in_channels, out_channels, kh, kw), out_channels, out_channels * kh * kw,
                         in_channels * kh * kw / (sh * sw), as_generator(rng), dtype, bias, equalized_lr)

    def geometry(self, H, W):
        """(Ho, Wo, (Hf, Wf)): the output's size and the full canvas's before the padding is cut."""
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
        Ho, Wo, _ = self.geometry(H, W)
        if Ho < 1 or Wo < 1:
            raise LayerInputError(self, f"input of shape {tuple(input_shape)} gives an empty {Ho}x{Wo} output "
                                        f"with padding {self.padding}")
        return (N, self.out_channels, Ho, Wo)

    def forward(self, x):
        self.check_input(x)
        N, C, H, W = x.shape
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        (sh, sw), (Ho, Wo, (Hf, Wf)) = self.stride, self.geometry(H, W)
        X = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)
        self.X, self.x_shape = X, x.shape
        cols = (X @ self.weight().reshape(C, -1)).reshape(N, H, W, self.out_channels, kh, kw)
        y = col2im(cols, (N, self.out_channels, Hf, Wf), kh, kw, sh, sw)[:, :, ph:ph + Ho, pw:pw + Wo]
        if "bias" in self.params:
            y = y + self.params["bias"].reshape(1, -1, 1, 1)
        return y

    def backward(self, dy):
        self.check_grad(dy)
        N, C, H, W = self.x_shape
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        (sh, sw), (Ho, Wo, (Hf, Wf)) = self.stride, self.geometry(H, W)
        dfull = pad2d(dy, ph, Hf - ph - Ho, pw, Wf - pw - Wo)
        dcols, _ = im2col(dfull, kh, kw, sh, sw)                             # (N*H*W, O*kh*kw)
        if self.requires_grad:
            dK = (self.X.T @ dcols).reshape(self.params["weight"].shape)
            self.accumulate_grad("weight", self.weight_grad(dK))
            if "bias" in self.params:
                self.accumulate_grad("bias", dy.sum(axis=(0, 2, 3)))
        if not self.needs_input_grad:
            return None
        return (dcols @ self.weight().reshape(C, -1).T).reshape(N, H, W, C).transpose(0, 3, 1, 2)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, output_padding={self.output_padding}, "
                f"{self.weight_repr()}")
