"""minigan as a reference: golden fixtures, and a checker for other implementations.

    python -m minigan reference export DIR
    python -m minigan reference check DIR --impl package.module:factory [--rtol R --atol A]

or from Python: ``export(DIR)`` and ``check(DIR, factory) -> Report``. docs/reference.md
describes the fixtures; this docstring is the adapter protocol an implementation provides.

Adapter protocol. ``factory(kind, config) -> adapter`` is called once per case. Arrays go in
and come out as float64 NumPy arrays (anything ``np.asarray`` turns into one is accepted back).
Raising NotImplementedError, from the factory or any method, marks the case "skipped".

Layers: ``kind`` is the class name, one of Dense, Conv2d, ConvTranspose2d, BatchNorm1d,
BatchNorm2d, ReLU, LeakyReLU, Tanh, Sigmoid, Flatten, Reshape, MinibatchDiscrimination, Dropout;
``config = {"args": {...}, "training": bool}`` with the constructor arguments under PyTorch's
names (in_features, out_features, bias; in_channels, out_channels, kernel_size, stride,
padding, output_padding, each a [height, width] pair; num_features, eps, momentum;
negative_slope; p; Reshape's target shape after the batch axis as "shape"; MinibatchDiscrimination's
in_features, num_kernels, kernel_dim). Weights use PyTorch's layouts: Dense (out, in), Conv2d
(out, in, kh, kw), ConvTranspose2d (in, out, kh, kw), MinibatchDiscrimination (in, B*C).

    adapter.set_params(state)    state: name -> array; parameters ("weight", "bias"), buffers
                                 ("running_mean", "running_var") and, for Dropout in training,
                                 "mask": y must be x * mask (mask holds 0 and 1/(1-p))
    y = adapter.forward(x)
    adapter.buffers()            -> name -> array, the buffers after forward (asked only of
                                 batch norm in training: the updated running statistics)
    dx, grads = adapter.backward(dy)
                                 dx = dL/dx for L = sum(y * dy); grads: name -> dL/dparam,
                                 one entry per parameter (an empty dict for a layer without)

Losses: ``kind = "loss"``, ``config = {"name": one of minigan.losses.LOSSES, "side":
"discriminator" | "generator", "real_label": float}`` (real_label only for the losses that
have one: minimax, non-saturating, least-squares). Logits are (N, 1); the value is the mean
over the batch (see minigan.losses for each formula). The checker calls one of
    value, dreal, dfake = adapter.discriminator(real_logits, fake_logits)
    value, dfake = adapter.generator(fake_logits)

Optimizers: ``kind = "optimizer"``, ``config = {"name": "sgd" | "adam" | "rmsprop", "hyper":
{...}, "steps": T}`` with every hyper-parameter under PyTorch's keyword names (lr, momentum,
dampening, weight_decay, nesterov; betas, eps; alpha). The checker calls
    adapter.set_params(params)             name -> array, the starting values
    params = adapter.step(grads)           T times; returns name -> the parameters after the step

GAN step: ``kind = "gan_step"``, ``config`` gives G and D as lists of [kind, args] layers (as
above, in order; parameter names "G.<index>.<name>", as nn.Sequential names them), the loss,
the optimizer {"name", "hyper"} used for both G and D, the batch size and z_dim:
    after_d, after_g = adapter.run(weights, noise, real)
weights: name -> array, parameters and batch-norm buffers of both networks. The step is
minigan's GANTrainer, and PyTorch's DCGAN example: (1) D step: fake = G(noise) (G in training
mode, once; no gradient into G), D's loss on real and on fake, each through D as its own batch,
one optimizer step for D; (2) G step: the same fake through the updated D, the generator loss,
backward through D into G, one optimizer step for G only (D gets no update). after_d and after_g
hold every weight and buffer of G and D after each step.
"""
from .check import CaseResult, Report, TensorResult, check
from .export import DEFAULT_ATOL, DEFAULT_RTOL, export

__all__ = ["export", "check", "Report", "CaseResult", "TensorResult", "DEFAULT_RTOL", "DEFAULT_ATOL"]
