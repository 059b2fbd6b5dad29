"""GAN layers in plain NumPy, written from the math without minigan: what an implementer brings.

Each layer is a plain object with the members minigan's checks ask for: ``params``, ``grads``
and ``buffers`` (dicts), ``forward(x)``, ``backward(dy) -> dx`` (setting ``grads``) and
``zero_grad()``. Every layer computes in the dtype of its input, float32 or float64.
Convolutions run one kernel offset (a, b) at a time: each offset multiplies a strided slice
of the padded input by one (out, in) matrix of the kernel.
"""
import numpy as np


class Layer:
    def __init__(self):
        self.params, self.grads, self.buffers = {}, {}, {}

    def zero_grad(self):
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}


class Dense(Layer):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.params["weight"] = np.zeros((out_features, in_features))
        if bias:
            self.params["bias"] = np.zeros(out_features)

    def forward(self, x):
        self.x = x
        y = x @ self.params["weight"].T
        return y + self.params["bias"] if "bias" in self.params else y

    def backward(self, dy):
        self.grads["weight"] = dy.T @ self.x
        if "bias" in self.params:
            self.grads["bias"] = dy.sum(axis=0)
        return dy @ self.params["weight"]


def taps(kernel_size, stride, out_size):
    """(a, b, row slice, column slice): the input positions kernel offset (a, b) meets."""
    (kh, kw), (sh, sw), (ho, wo) = kernel_size, stride, out_size
    for a in range(kh):
        for b in range(kw):
            yield a, b, slice(a, a + sh * (ho - 1) + 1, sh), slice(b, b + sw * (wo - 1) + 1, sw)


class Conv2d(Layer):
    """y[n, o, i, j] = bias[o] + sum_{c, a, b} K[o, c, a, b] xpad[n, c, s_h i + a, s_w j + b]"""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, bias=True):
        super().__init__()
        self.kernel_size, self.stride, self.padding = tuple(kernel_size), tuple(stride), tuple(padding)
        self.params["weight"] = np.zeros((out_channels, in_channels) + self.kernel_size)
        if bias:
            self.params["bias"] = np.zeros(out_channels)

    def forward(self, x):
        (ph, pw), (kh, kw), (sh, sw) = self.padding, self.kernel_size, self.stride
        self.xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        ho = (self.xpad.shape[2] - kh) // sh + 1
        wo = (self.xpad.shape[3] - kw) // sw + 1
        K = self.params["weight"]
        y = np.zeros((x.shape[0], K.shape[0], ho, wo), dtype=x.dtype)
        for a, b, rows, cols in taps(self.kernel_size, self.stride, (ho, wo)):
            y += np.einsum("nchw,oc->nohw", self.xpad[:, :, rows, cols], K[:, :, a, b])
        if "bias" in self.params:
            y += self.params["bias"][None, :, None, None]
        return y

    def backward(self, dy):
        K, (ph, pw) = self.params["weight"], self.padding
        dK, dxpad = np.zeros_like(K), np.zeros_like(self.xpad)
        for a, b, rows, cols in taps(self.kernel_size, self.stride, dy.shape[2:]):
            dK[:, :, a, b] = np.einsum("nohw,nchw->oc", dy, self.xpad[:, :, rows, cols])
            dxpad[:, :, rows, cols] += np.einsum("nohw,oc->nchw", dy, K[:, :, a, b])
        self.grads["weight"] = dK
        if "bias" in self.params:
            self.grads["bias"] = dy.sum(axis=(0, 2, 3))
        h, w = dxpad.shape[2] - 2 * ph, dxpad.shape[3] - 2 * pw
        return dxpad[:, :, ph:ph + h, pw:pw + w]


class ConvTranspose2d(Layer):
    """The adjoint of Conv2d: each input pixel adds K[c, :, a, b] x[n, c, i, j] at (s_h i + a,
    s_w j + b) of a canvas; the output is the canvas without `padding` on each side, plus
    `output_padding` rows/columns at the bottom/right."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, output_padding, bias=True):
        super().__init__()
        self.kernel_size, self.stride = tuple(kernel_size), tuple(stride)
        self.padding, self.output_padding = tuple(padding), tuple(output_padding)
        self.params["weight"] = np.zeros((in_channels, out_channels) + self.kernel_size)
        if bias:
            self.params["bias"] = np.zeros(out_channels)

    def canvas(self, h, w):
        (kh, kw), (sh, sw), (oh, ow) = self.kernel_size, self.stride, self.output_padding
        return (h - 1) * sh + kh + oh, (w - 1) * sw + kw + ow

    def crop(self, canvas):
        (ph, pw), (h, w) = self.padding, canvas.shape[2:]
        return canvas[:, :, ph:h - ph, pw:w - pw]

    def forward(self, x):
        self.x = x
        K = self.params["weight"]
        canvas = np.zeros((x.shape[0], K.shape[1]) + self.canvas(*x.shape[2:]), dtype=x.dtype)
        for a, b, rows, cols in taps(self.kernel_size, self.stride, x.shape[2:]):
            canvas[:, :, rows, cols] += np.einsum("nchw,co->nohw", x, K[:, :, a, b])
        y = self.crop(canvas)
        if "bias" in self.params:
            y = y + self.params["bias"][None, :, None, None]
        return y

    def backward(self, dy):
        K, x, (ph, pw) = self.params["weight"], self.x, self.padding
        h, w = self.canvas(*x.shape[2:])
        dcanvas = np.zeros(dy.shape[:2] + (h, w), dtype=dy.dtype)
        dcanvas[:, :, ph:ph + dy.shape[2], pw:pw + dy.shape[3]] = dy
        dK, dx = np.zeros_like(K), np.zeros_like(x)
        for a, b, rows, cols in taps(self.kernel_size, self.stride, x.shape[2:]):
            patch = dcanvas[:, :, rows, cols]
            dK[:, :, a, b] = np.einsum("nchw,nohw->co", x, patch)
            dx += np.einsum("nohw,co->nchw", patch, K[:, :, a, b])
        self.grads["weight"] = dK
        if "bias" in self.params:
            self.grads["bias"] = dy.sum(axis=(0, 2, 3))
        return dx


class BatchNorm(Layer):
    """Training: statistics over every axis but the channel axis 1 (m values per channel),
    biased variance to normalise, unbiased variance into running_var."""

    def __init__(self, num_features, eps, momentum, training):
        super().__init__()
        self.eps, self.momentum, self.training = eps, momentum, training
        self.params.update(weight=np.ones(num_features), bias=np.zeros(num_features))
        self.buffers.update(running_mean=np.zeros(num_features), running_var=np.ones(num_features))

    def stats(self, x):
        axes = tuple(i for i in range(x.ndim) if i != 1)
        m = x.size // x.shape[1]
        return axes, m, x.mean(axis=axes), x.var(axis=axes)

    def update_running(self, mean, var, m):
        mom = self.momentum
        self.buffers["running_mean"] = (1 - mom) * self.buffers["running_mean"] + mom * mean
        self.buffers["running_var"] = (1 - mom) * self.buffers["running_var"] + mom * var * m / (m - 1)

    def forward(self, x):
        self.axes, m, mean, var = self.stats(x)
        if self.training:
            self.update_running(mean, var, m)
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
        shape = [1, -1] + [1] * (x.ndim - 2)
        self.inv_std = (1 / np.sqrt(var + self.eps)).reshape(shape)
        self.xhat = (x - mean.reshape(shape)) * self.inv_std
        self.shape = shape
        return self.xhat * self.params["weight"].reshape(shape) + self.params["bias"].reshape(shape)

    def backward(self, dy):
        axes, xhat = self.axes, self.xhat
        self.grads["weight"] = (dy * xhat).sum(axis=axes)
        self.grads["bias"] = dy.sum(axis=axes)
        scale = self.params["weight"].reshape(self.shape) * self.inv_std
        if not self.training:
            return scale * dy
        return scale * (dy - dy.mean(axis=axes, keepdims=True) - xhat * (dy * xhat).mean(axis=axes, keepdims=True))


class ReLU(Layer):
    def forward(self, x):
        self.x = x
        return np.maximum(x, 0)

    def backward(self, dy):
        return np.where(self.x > 0, dy, 0)


class LeakyReLU(Layer):
    def __init__(self, negative_slope):
        super().__init__()
        self.a = negative_slope

    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, self.a * x)

    def backward(self, dy):
        return np.where(self.x > 0, dy, self.a * dy)


class Tanh(Layer):
    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, dy):
        return dy * (1 - self.y ** 2)


class Sigmoid(Layer):
    def forward(self, x):
        self.y = 0.5 * (1 + np.tanh(0.5 * x))           # 1 / (1 + e^-x) without overflow
        return self.y

    def backward(self, dy):
        return dy * self.y * (1 - self.y)


class Flatten(Layer):
    def forward(self, x):
        self.shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dy):
        return dy.reshape(self.shape)


class Reshape(Flatten):
    def __init__(self, shape):
        super().__init__()
        self.target = tuple(shape)

    def forward(self, x):
        self.shape = x.shape
        return x.reshape((len(x),) + self.target)


class MinibatchDiscrimination(Layer):
    """M = (x T).reshape(N, B, C); o[i, b] = sum_{j != i} exp(-|M_i,b - M_j,b|_1); y = [x, o]."""

    def __init__(self, in_features, num_kernels, kernel_dim):
        super().__init__()
        self.B, self.C = num_kernels, kernel_dim
        self.params["weight"] = np.zeros((in_features, num_kernels * kernel_dim))

    def forward(self, x):
        self.x = x
        M = (x @ self.params["weight"]).reshape(len(x), self.B, self.C)
        self.diff = M[:, None] - M[None, :]                       # (N, N, B, C)
        others = 1 - np.eye(len(x), dtype=x.dtype)[:, :, None]
        self.c = np.exp(-np.abs(self.diff).sum(axis=3)) * others  # (N, N, B), j = i left out
        return np.concatenate([x, self.c.sum(axis=1)], axis=1)

    def backward(self, dy):
        A = self.x.shape[1]
        do = dy[:, A:]
        weight = (do[:, None, :] + do[None, :, :]) * self.c       # both o_i and o_j hold c(i, j)
        dM = -(weight[..., None] * self.sign(self.diff)).sum(axis=1).reshape(len(dy), -1)
        self.grads["weight"] = self.x.T @ dM
        return dy[:, :A] + dM @ self.params["weight"].T

    @staticmethod
    def sign(d):
        return np.sign(d)
