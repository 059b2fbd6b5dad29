"""PyTorch behind minigan's reference adapter protocol (see minigan/reference/__init__.py).

    python -m minigan reference export fixtures
    python -m minigan reference check fixtures --impl demos.adapters.pytorch_layers:factory

Layers are torch.nn modules (MinibatchDiscrimination, which PyTorch lacks, and Dropout with a
given mask are written with torch ops); every gradient comes from autograd; losses are
written with torch ops; optimizers are torch.optim's; the GAN step is the textbook PyTorch
loop. Everything runs in float64 on the CPU.
"""
import numpy as np
import torch
import torch.nn.functional as F

F64 = torch.float64


def tensor(array, requires_grad=False):
    return torch.tensor(np.asarray(array), dtype=F64, requires_grad=requires_grad)


def numpy(t):
    return None if t is None else t.detach().cpu().numpy().copy()


class MinibatchDiscrimination(torch.nn.Module):
    """o_{i,b} = sum_{j != i} exp(-||M_{i,b} - M_{j,b}||_1), M = (x T).reshape(N, B, C); y = [x, o]."""

    def __init__(self, in_features, num_kernels, kernel_dim):
        super().__init__()
        self.num_kernels, self.kernel_dim = num_kernels, kernel_dim
        self.weight = torch.nn.Parameter(torch.zeros(in_features, num_kernels * kernel_dim, dtype=F64))

    def forward(self, x):
        n = x.shape[0]
        M = (x @ self.weight).reshape(n, self.num_kernels, self.kernel_dim)
        c = torch.exp(-(M[:, None] - M[None, :]).abs().sum(dim=3))              # (N, N, B)
        others = (1 - torch.eye(n, dtype=x.dtype))[:, :, None]
        return torch.cat([x, (c * others).sum(dim=1)], dim=1)


class MaskedDropout(torch.nn.Module):
    """Dropout whose mask is given (0 or 1/(1-p) per entry), so a fixture's draw is replayed."""

    def __init__(self, mask):
        super().__init__()
        self.mask = mask

    def forward(self, x):
        return x * self.mask


def build_module(kind, args, training=True):
    t = torch.nn
    builders = {
        "Dense": lambda: t.Linear(**args),
        "Conv2d": lambda: t.Conv2d(**args),
        "ConvTranspose2d": lambda: t.ConvTranspose2d(**args),
        "BatchNorm1d": lambda: t.BatchNorm1d(**args),
        "BatchNorm2d": lambda: t.BatchNorm2d(**args),
        "ReLU": t.ReLU, "Tanh": t.Tanh, "Sigmoid": t.Sigmoid, "Flatten": t.Flatten,
        "LeakyReLU": lambda: t.LeakyReLU(**args),
        "Reshape": lambda: t.Unflatten(1, tuple(args["shape"])),
        "MinibatchDiscrimination": lambda: MinibatchDiscrimination(**args),
        "Dropout": lambda: t.Dropout(**args),
    }
    if kind not in builders:
        raise NotImplementedError(f"no PyTorch layer for {kind!r}")
    return builders[kind]().to(F64).train(training)


def load_state(module, state):
    """Copy name -> array into the module's parameters and buffers (names must exist)."""
    own = {**dict(module.named_parameters()), **dict(module.named_buffers())}
    with torch.no_grad():
        for name, value in state.items():
            own[name].copy_(tensor(value))


def state_of(module):
    state = {**dict(module.named_parameters()), **dict(module.named_buffers())}
    return {k: numpy(v) for k, v in state.items() if k.split(".")[-1] != "num_batches_tracked"}


class LayerAdapter:
    def __init__(self, kind, config):
        self.kind, self.config = kind, config
        self.module = build_module(kind, config["args"], config["training"])

    def set_params(self, state):
        state = dict(state)
        if "mask" in state:
            self.module = MaskedDropout(tensor(state.pop("mask")))
        load_state(self.module, state)

    def forward(self, x):
        self.x = tensor(x, requires_grad=True)
        self.y = self.module(self.x)
        return numpy(self.y)

    def buffers(self):
        return {k: numpy(v) for k, v in self.module.named_buffers() if k != "num_batches_tracked"}

    def backward(self, dy):
        self.y.backward(tensor(dy))
        return numpy(self.x.grad), {k: numpy(p.grad) for k, p in self.module.named_parameters()}


def bce(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def discriminator_loss(name, real, fake, real_label=1.0):
    if name in ("minimax", "non-saturating"):
        return bce(real, real_label) + bce(fake, 0.0)
    if name == "least-squares":
        return 0.5 * ((real - real_label) ** 2).mean() + 0.5 * (fake ** 2).mean()
    if name == "hinge":
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()
    if name == "wasserstein":
        return fake.mean() - real.mean()
    raise NotImplementedError(f"no PyTorch version of the {name!r} loss")


def generator_loss(name, fake):
    if name == "minimax":
        return -F.softplus(fake).mean()          # mean log(1 - sigmoid(l)), in its stable form
    if name == "non-saturating":
        return bce(fake, 1.0)
    if name == "least-squares":
        return 0.5 * ((fake - 1) ** 2).mean()
    if name in ("hinge", "wasserstein"):
        return -fake.mean()
    raise NotImplementedError(f"no PyTorch version of the {name!r} loss")


class LossAdapter:
    def __init__(self, config):
        self.name, self.real_label = config["name"], config.get("real_label", 1.0)

    def discriminator(self, real_logits, fake_logits):
        real, fake = tensor(real_logits, True), tensor(fake_logits, True)
        value = discriminator_loss(self.name, real, fake, self.real_label)
        value.backward()
        return numpy(value), numpy(real.grad), numpy(fake.grad)

    def generator(self, fake_logits):
        fake = tensor(fake_logits, True)
        value = generator_loss(self.name, fake)
        value.backward()
        return numpy(value), numpy(fake.grad)


OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop}


def build_optimizer(params, name, hyper):
    if name not in OPTIMIZERS:
        raise NotImplementedError(f"no torch.optim optimizer for {name!r}")
    hyper = {k: tuple(v) if isinstance(v, list) else v for k, v in hyper.items()}
    return OPTIMIZERS[name](params, **hyper)


class OptimizerAdapter:
    def __init__(self, config):
        self.config = config

    def set_params(self, params):
        self.params = {k: tensor(v, requires_grad=True) for k, v in params.items()}
        self.optimizer = build_optimizer(list(self.params.values()), self.config["name"], self.config["hyper"])

    def step(self, grads):
        for name, p in self.params.items():
            p.grad = tensor(grads[name])
        self.optimizer.step()
        return {k: numpy(p) for k, p in self.params.items()}


class GanStepAdapter:
    """One D step and one G step, written as in PyTorch's DCGAN example: G runs forward once,
    D learns from the detached fake, then G learns through D from the same fake."""

    def __init__(self, config):
        self.config = config

    def run(self, weights, noise, real):
        c = self.config
        G = torch.nn.Sequential(*(build_module(kind, args) for kind, args in c["G"]))
        D = torch.nn.Sequential(*(build_module(kind, args) for kind, args in c["D"]))
        load_state(G, {k[2:]: v for k, v in weights.items() if k.startswith("G.")})
        load_state(D, {k[2:]: v for k, v in weights.items() if k.startswith("D.")})
        opt_G = build_optimizer(G.parameters(), c["optimizer"]["name"], c["optimizer"]["hyper"])
        opt_D = build_optimizer(D.parameters(), c["optimizer"]["name"], c["optimizer"]["hyper"])
        real = tensor(real)

        fake = G(tensor(noise))
        opt_D.zero_grad()
        discriminator_loss(c["loss"], D(real), D(fake.detach())).backward()
        opt_D.step()
        after_d = self.weights(G, D)

        opt_G.zero_grad()
        generator_loss(c["loss"], D(fake)).backward()
        opt_G.step()                  # D's gradients from this pass are left unused
        return after_d, self.weights(G, D)

    @staticmethod
    def weights(G, D):
        return {**{f"G.{k}": v for k, v in state_of(G).items()}, **{f"D.{k}": v for k, v in state_of(D).items()}}


def factory(kind, config):
    if kind == "loss":
        return LossAdapter(config)
    if kind == "optimizer":
        return OptimizerAdapter(config)
    if kind == "gan_step":
        return GanStepAdapter(config)
    return LayerAdapter(kind, config)
