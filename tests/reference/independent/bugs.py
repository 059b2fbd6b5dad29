"""Realistic bugs planted one at a time in the independent implementation.

Each ``Bug`` names the class it replaces (a layer kind, "BatchNorm", a loss or optimizer name,
or "step" for the training step), the cases that must catch it, and what the report must say:
a tensor (or an error) on a FAIL line and, where the hint fires, words of the likely cause.
``buggy_factory(name)`` is the independent factory with that one bug in place.
"""
from dataclasses import dataclass

import numpy as np

from . import layers, make_factory, training


class LeakyReLUKink(layers.LeakyReLU):
    def backward(self, dy):
        return np.where(self.x >= 0, dy, self.a * dy)          # x = 0 takes the x > 0 branch


class ReLUKink(layers.ReLU):
    def backward(self, dy):
        return np.where(self.x >= 0, dy, 0)


class MinibatchKink(layers.MinibatchDiscrimination):
    @staticmethod
    def sign(d):
        return np.where(d >= 0, 1.0, -1.0).astype(d.dtype)     # sign(0) = +1


class TanhFromInput(layers.Tanh):
    def forward(self, x):
        self.x = x
        return super().forward(x)

    def backward(self, dy):
        return dy * (1 - self.x ** 2)                          # 1 - x^2 where 1 - y^2 belongs


class DenseBiasMean(layers.Dense):
    def backward(self, dx_dy):
        dx = super().backward(dx_dy)
        self.grads["bias"] = dx_dy.mean(axis=0) if "bias" in self.params else None
        if self.grads["bias"] is None:
            del self.grads["bias"]
        return dx


class ConvWeightGradTransposed(layers.Conv2d):
    def backward(self, dy):
        dx = super().backward(dy)
        K = self.params["weight"]
        dK = np.zeros_like(K)
        for a, b, rows, cols in layers.taps(self.kernel_size, self.stride, dy.shape[2:]):
            dK[:, :, a, b] = np.einsum("nohw,nchw->co", dy, self.xpad[:, :, rows, cols]).reshape(K.shape[:2])
        self.grads["weight"] = dK
        return dx


class ConvWeightGradStrideMixed(layers.Conv2d):
    def backward(self, dy):
        dx = super().backward(dy)
        K, (sh, sw) = self.params["weight"], self.stride
        ho, wo = dy.shape[2:]
        for a in range(self.kernel_size[0]):
            for b in range(self.kernel_size[1]):
                patch = self.xpad[:, :, a:a + sw * (ho - 1) + 1:sw, b:b + sh * (wo - 1) + 1:sh]   # strides swapped
                self.grads["weight"][:, :, a, b] = np.einsum("nohw,nchw->oc", dy, patch)
        return dx


class ConvFlippedKernel(layers.Conv2d):
    """A true convolution: the kernel flipped in both axes, in forward and in backward."""

    def forward(self, x):
        self.params["weight"] = self.params["weight"][:, :, ::-1, ::-1]
        try:
            return super().forward(x)
        finally:
            self.params["weight"] = self.params["weight"][:, :, ::-1, ::-1]

    def backward(self, dy):
        self.params["weight"] = self.params["weight"][:, :, ::-1, ::-1]
        try:
            dx = super().backward(dy)
        finally:
            self.params["weight"] = self.params["weight"][:, :, ::-1, ::-1]
        self.grads["weight"] = self.grads["weight"][:, :, ::-1, ::-1]
        return dx


class ConvTransposeNoOutputPadding(layers.ConvTranspose2d):
    def canvas(self, h, w):
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        return (h - 1) * sh + kh, (w - 1) * sw + kw            # output_padding forgotten


class ConvTransposeEinsumTypo(layers.ConvTranspose2d):
    def backward(self, dy):
        K, x, (ph, pw) = self.params["weight"], self.x, self.padding
        h, w = self.canvas(*x.shape[2:])
        dcanvas = np.zeros(dy.shape[:2] + (h, w), dtype=dy.dtype)
        dcanvas[:, :, ph:ph + dy.shape[2], pw:pw + dy.shape[3]] = dy
        dx = np.zeros_like(x)
        for a, b, rows, cols in layers.taps(self.kernel_size, self.stride, x.shape[2:]):
            dx += np.einsum("nohw,oc->nchw", dcanvas[:, :, rows, cols], K[:, :, a, b])   # K is (in, out)
        return dx


class BatchNormBiasedRunningVar(layers.BatchNorm):
    def update_running(self, mean, var, m):
        super().update_running(mean, var * (m - 1) / m, m)      # the biased variance kept


class BatchNormBatchSizeCorrection(layers.BatchNorm):
    def update_running(self, mean, var, m):
        n = self.n
        mom = self.momentum
        self.buffers["running_mean"] = (1 - mom) * self.buffers["running_mean"] + mom * mean
        self.buffers["running_var"] = (1 - mom) * self.buffers["running_var"] + mom * var * n / max(n - 1, 1)

    def forward(self, x):
        self.n = len(x)                                        # N / (N - 1) where m / (m - 1) belongs
        return super().forward(x)


class BatchNormKerasMomentum(layers.BatchNorm):
    def update_running(self, mean, var, m):
        mom = self.momentum                                    # momentum on the old value
        self.buffers["running_mean"] = mom * self.buffers["running_mean"] + (1 - mom) * mean
        self.buffers["running_var"] = mom * self.buffers["running_var"] + (1 - mom) * var * m / (m - 1)


class BatchNormNoMeanTerms(layers.BatchNorm):
    def backward(self, dy):
        super().backward(dy)
        return self.params["weight"].reshape(self.shape) * self.inv_std * dy


class BatchNormEvalBatchStats(layers.BatchNorm):
    def forward(self, x):
        training, self.training = self.training, True
        buffers = dict(self.buffers)
        try:
            return super().forward(x)
        finally:
            self.training = training
            if not training:
                self.buffers.update(buffers)


class NaiveLogSigmoid(training.NonSaturating):
    def bce(self, logits, target):
        p = 1 / (1 + np.exp(-logits))
        value = -(target * np.log(p) + (1 - target) * np.log(1 - p)).mean()
        return value, (p - target) / logits.size


class NonSaturatingAsMinimax(training.NonSaturating):
    def generator(self, logits):
        return training.Minimax.generator(self, logits)


class LossSum(training.NonSaturating):
    def bce(self, logits, target):
        value, grad = super().bce(logits, target)
        return value * logits.size, grad


class AdamEpsInsideSqrt(training.Adam):
    def direction(self, name):
        m_hat = self.m[name] / (1 - self.b1 ** self.t)
        return m_hat / np.sqrt(self.v[name] / (1 - self.b2 ** self.t) + self.eps)


class AdamNoBiasCorrection(training.Adam):
    def direction(self, name):
        return self.m[name] / (np.sqrt(self.v[name]) + self.eps)


class AdamEpsBeforeCorrection(training.Adam):
    def direction(self, name):
        step = self.lr * np.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t) / self.lr
        return step * self.m[name] / (np.sqrt(self.v[name]) + self.eps)


class AdamW(training.Adam):
    def step(self):
        before = dict(self.model.params)
        wd, self.wd = self.wd, 0.0
        super().step()
        self.wd = wd
        for name, p in before.items():
            self.model.params[name] = self.model.params[name] - self.lr * wd * p


class SGDDampenedFirstStep(training.SGD):
    def step(self):
        for name in self.model.params:
            self.v.setdefault(name, 0.0)                       # v = 0 before the first step
        super().step()


class GForwardTwice(training.TrainStep):
    def generator_logits(self, G, D, noise, fake):
        return D.forward(G.forward(noise))                     # moves G's running statistics again


class RealFakeOneBatch(training.TrainStep):
    def discriminator_gradients(self, D, loss, real, fake):
        logits = D.forward(np.concatenate([real, fake]))       # batch norm sees both at once
        n = len(real)
        _, dreal = loss.discriminator_real(logits[:n])
        _, dfake = loss.discriminator_fake(logits[n:])
        D.backward(np.concatenate([dreal, dfake]))


@dataclass
class Bug:
    name: str
    replaces: str           # the class it replaces: a layer kind, "BatchNorm", a loss/optimizer name, "step"
    cls: type
    cases: tuple            # glob patterns of the cases that must catch it
    tensor: str             # a failing tensor's name, or "error" for an exception located in the code
    hint: str = ""          # words the report must contain (hint or pins), "" where none fires
    what: str = ""


BUGS = [
    Bug("leaky-relu-kink", "LeakyReLU", LeakyReLUKink, ("LeakyReLU/*",), "dx", "exactly 0",
        "LeakyReLU's gradient at x = 0 takes the x > 0 branch"),
    Bug("relu-kink", "ReLU", ReLUKink, ("ReLU/*",), "dx", "exactly 0", "ReLU's gradient at x = 0 is 1"),
    Bug("minibatch-l1-kink", "MinibatchDiscrimination", MinibatchKink, ("MinibatchDiscrimination/*",), "dx",
        "equal to another", "mini-batch discrimination with sign(0) = +1 at the L1 kink"),
    Bug("tanh-derivative-of-x", "Tanh", TanhFromInput, ("Tanh/*",), "dx", "", "Tanh's gradient 1 - x^2 (not 1 - y^2)"),
    Bug("dense-bias-mean", "Dense", DenseBiasMean, ("Dense/*",), "grad/bias", "batch size",
        "Dense's bias gradient a mean over the batch"),
    Bug("conv-weight-grad-transposed", "Conv2d", ConvWeightGradTransposed, ("Conv2d/*",), "grad/weight",
        "swapped and reshaped", "Conv2d's weight gradient computed (in, out) and reshaped to (out, in)"),
    Bug("conv-weight-grad-stride-mixed", "Conv2d", ConvWeightGradStrideMixed, ("Conv2d/*",), "error",
        "height and width kept apart", "Conv2d's weight gradient with the height and width strides swapped"),
    Bug("conv-flipped-kernel", "Conv2d", ConvFlippedKernel, ("Conv2d/*",), "grad/weight", "flipped in both kernel",
        "Conv2d as a true convolution (kernel flipped)"),
    Bug("conv-transpose-no-output-padding", "ConvTranspose2d", ConvTransposeNoOutputPadding,
        ("ConvTranspose2d/*",), "y", "output_padding", "ConvTranspose2d ignoring output_padding"),
    Bug("conv-transpose-einsum-typo", "ConvTranspose2d", ConvTransposeEinsumTypo, ("ConvTranspose2d/*",),
        "error", "in backward: dx += np.einsum",
        "ConvTranspose2d's backward with an einsum over the wrong weight layout"),
    Bug("bn-biased-running-var", "BatchNorm", BatchNormBiasedRunningVar, ("BatchNorm*",), "buffer/running_var",
        "biased running variance", "batch norm keeping the biased variance in running_var"),
    Bug("bn-batch-size-correction", "BatchNorm", BatchNormBatchSizeCorrection, ("BatchNorm*",),
        "buffer/running_var", "m / (m - 1)", "batch norm's running variance corrected by N / (N - 1)"),
    Bug("bn-keras-momentum", "BatchNorm", BatchNormKerasMomentum, ("BatchNorm*",), "buffer/running_mean",
        "weighting the old running value", "batch norm's momentum on the old running value (Keras)"),
    Bug("bn-backward-no-mean-terms", "BatchNorm", BatchNormNoMeanTerms, ("BatchNorm*",), "dx",
        "without the mean terms", "batch norm's backward without the mean terms"),
    Bug("bn-eval-batch-statistics", "BatchNorm", BatchNormEvalBatchStats, ("BatchNorm*",), "y",
        "batch statistics in eval mode", "batch norm using the batch statistics in eval mode"),
    Bug("naive-log-sigmoid", "non-saturating", NaiveLogSigmoid, ("loss/non-saturating/*",), "value", "softplus",
        "the non-saturating loss as log(sigmoid(l))"),
    Bug("non-saturating-as-minimax", "non-saturating", NonSaturatingAsMinimax, ("loss/non-saturating/*",),
        "dfake", "minimax generator loss", "the generator's loss log(1 - D) where -log D is asked"),
    Bug("loss-sum-not-mean", "non-saturating", LossSum, ("loss/non-saturating/*",), "value", "batch size",
        "the loss summed over the batch, not averaged"),
    Bug("adam-eps-inside-sqrt", "adam", AdamEpsInsideSqrt, ("optimizer/adam/*",), "step/0/weight",
        "eps inside the square root", "Adam with eps inside the square root"),
    Bug("adam-eps-before-correction", "adam", AdamEpsBeforeCorrection, ("optimizer/adam/*",), "step/0/weight",
        "before the bias correction", "Adam with eps added before the bias correction"),
    Bug("adam-no-bias-correction", "adam", AdamNoBiasCorrection, ("optimizer/adam/*",), "step/0/weight",
        "without the bias correction", "Adam without bias correction"),
    Bug("adamw-decoupled-decay", "adam", AdamW, ("optimizer/adam/*",), "step/0/weight", "decoupled",
        "Adam with AdamW's decoupled weight decay"),
    Bug("sgd-dampened-first-step", "sgd", SGDDampenedFirstStep, ("optimizer/sgd/*",), "step/0/weight",
        "dampening on the first step", "SGD momentum starting from v = 0 (dampening on the first step)"),
    Bug("gan-step-g-forward-twice", "step", GForwardTwice, ("gan_step/*",), "after_g/G.1.running_mean",
        "G runs forward once", "the G step runs G forward again"),
    Bug("gan-step-real-fake-one-batch", "step", RealFakeOneBatch, ("gan_step/dcgan-*",), "after_d/D.0.weight",
        "two batches", "the D step runs real and fake through D as one batch"),
]
BY_NAME = {bug.name: bug for bug in BUGS}


def buggy_factory(name):
    bug = BY_NAME[name]
    if bug.replaces == "step":
        return make_factory(step=bug.cls)
    return make_factory({bug.replaces: bug.cls})
