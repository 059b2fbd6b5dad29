"""Channels-last twins of nn.Conv2d and nn.ConvTranspose2d.

The same products as the readable layers, on channels-last memory: x is read as (N, H, W, C)
(free when the previous layer wrote channels-last), the columns are ordered (kh, kw, C)
(im2col.py), so the kernel becomes the matrix K.transpose(0, 2, 3, 1).reshape(O, -1), and y
is an (N, O, Ho, Wo) view of (N, Ho, Wo, O) memory, which the next layer reads cheaply. The
padded input, the columns and their gradient go into arrays the layer keeps (workspace.py).
The math, the parameters and backward_backward are the readable class's.
"""
from ..backend import get_array_module
from ..nn.conv import Conv2d, conv_output_shape
from ..nn.conv_transpose import ConvTranspose2d
from . import workspace
from .im2col import col2im_nhwc, im2col_nhwc, pad_nhwc


class FastConv2d(Conv2d):
    """nn.Conv2d on channels-last memory (see the module docstring)."""

    def forward(self, x):
        self.check_input(x)
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        N, C, H, W = x.shape
        Ho, Wo = conv_output_shape(self, H, W)
        xpad = pad_nhwc(x.transpose(0, 2, 3, 1), ph, ph, pw, pw,            # (N, Hp, Wp, C)
                        out=workspace.get(self, "xpad", (N, H + 2 * ph, W + 2 * pw, C), x, zeros=True))
        cols, _ = im2col_nhwc(xpad, kh, kw, sh, sw,                         # (N*Ho*Wo, kh*kw*C)
                              out=workspace.get(self, "cols", (N * Ho * Wo, kh * kw * C), x))
        self.cols, self.xpad_shape, self.x_shape = cols, xpad.shape, x.shape
        y = cols @ self.kernel_matrix().T                                   # (N*Ho*Wo, O)
        if "bias" in self.params:
            y += self.params["bias"]
        return y.reshape(N, Ho, Wo, self.out_channels).transpose(0, 3, 1, 2)

    def backward(self, dy):
        self.check_grad(dy)
        self.dy = dy                                                        # for backward_backward
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        N, O, Ho, Wo = dy.shape
        dY = dy.transpose(0, 2, 3, 1).reshape(N * Ho * Wo, O)               # free for channels-last dy
        if self.requires_grad:
            dK = (dY.T @ self.cols).reshape(O, kh, kw, self.in_channels)
            self.accumulate_grad("weight", self.weight_grad(dK.transpose(0, 3, 1, 2)))
            if "bias" in self.params:
                self.accumulate_grad("bias", dY.sum(axis=0))
        if not self.needs_input_grad:
            return None
        Km = self.kernel_matrix()
        dcols = get_array_module(dY).matmul(dY, Km, out=workspace.get(self, "dcols", (N * Ho * Wo, Km.shape[1]), dY))
        dcols = dcols.reshape(N, Ho, Wo, kh, kw, self.in_channels)
        dxpad = col2im_nhwc(dcols, self.xpad_shape, kh, kw, sh, sw)         # (N, Hp, Wp, C)
        H, W = self.x_shape[2:]
        return dxpad[:, ph:ph + H, pw:pw + W].transpose(0, 3, 1, 2)

    def kernel_matrix(self):
        """K (O, C, kh, kw) as the (O, kh*kw*C) matrix the channels-last columns need."""
        return self.weight().transpose(0, 2, 3, 1).reshape(self.out_channels, -1)


class FastConvTranspose2d(ConvTranspose2d):
    """nn.ConvTranspose2d on channels-last memory (see the module docstring)."""

    def forward(self, x):
        self.check_input(x)
        N, C, H, W = x.shape
        (kh, kw), (ph, pw), O = self.kernel_size, self.padding, self.out_channels
        (sh, sw), (Ho, Wo, (Hf, Wf)) = self.stride, self.geometry(H, W)
        X = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)
        self.X, self.x_shape = X, x.shape
        Km = self.kernel_matrix()
        cols = get_array_module(X).matmul(X, Km, out=workspace.get(self, "cols", (N * H * W, Km.shape[1]), X))
        cols = cols.reshape(N, H, W, kh, kw, O)
        full = col2im_nhwc(cols, (N, Hf, Wf, O), kh, kw, sh, sw)            # fresh, ours to change
        if "bias" in self.params:
            full += self.params["bias"]
        return full[:, ph:ph + Ho, pw:pw + Wo].transpose(0, 3, 1, 2)

    def backward(self, dy):
        self.check_grad(dy)
        N, C, H, W = self.x_shape
        (kh, kw), (ph, pw), O = self.kernel_size, self.padding, self.out_channels
        (sh, sw), (Ho, Wo, (Hf, Wf)) = self.stride, self.geometry(H, W)
        dfull = pad_nhwc(dy.transpose(0, 2, 3, 1), ph, Hf - ph - Ho, pw, Wf - pw - Wo,
                         out=workspace.get(self, "dfull", (N, Hf, Wf, O), dy, zeros=True))
        dcols, _ = im2col_nhwc(dfull, kh, kw, sh, sw,                        # (N*H*W, kh*kw*O)
                               out=workspace.get(self, "dcols", (N * H * W, kh * kw * O), dy))
        if self.requires_grad:
            dK = (self.X.T @ dcols).reshape(C, kh, kw, O)
            self.accumulate_grad("weight", self.weight_grad(dK.transpose(0, 3, 1, 2)))
            if "bias" in self.params:
                self.accumulate_grad("bias", dy.sum(axis=(0, 2, 3)))
        if not self.needs_input_grad:
            return None
        return (dcols @ self.kernel_matrix().T).reshape(N, H, W, C).transpose(0, 3, 1, 2)

    def kernel_matrix(self):
        """K (C, O, kh, kw) as the (C, kh*kw*O) matrix the channels-last columns need."""
        return self.weight().transpose(0, 2, 3, 1).reshape(self.in_channels, -1)
