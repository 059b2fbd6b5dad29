"""Losses, optimizers and a training step in plain NumPy, written from the math without minigan.

Losses take logits (label convention real = 1) and return (value, dlogits), the value a mean
over the batch. Optimizers follow PyTorch's update rules and work on any ``model`` with
``params`` and ``grads`` dicts. ``TrainStep`` is one D step and one G step as in PyTorch's
DCGAN example.
"""
import numpy as np


def softplus(x):
    return np.logaddexp(0, x)


def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))


class BinaryCrossEntropy:
    """D: softplus(-l_real) (target 1, or real_label) + softplus(l_fake) (target 0)."""

    def __init__(self, real_label=1.0):
        self.real_label = real_label

    def bce(self, logits, target):
        n = logits.size
        value = (target * softplus(-logits) + (1 - target) * softplus(logits)).sum() / n
        return value, (sigmoid(logits) - target) / n

    def discriminator_real(self, logits):
        return self.bce(logits, self.real_label)

    def discriminator_fake(self, logits):
        return self.bce(logits, 0.0)


class NonSaturating(BinaryCrossEntropy):
    """G minimises -log D(G(z)) = softplus(-l)."""

    def generator(self, logits):
        return self.bce(logits, 1.0)


class Minimax(BinaryCrossEntropy):
    """G minimises log(1 - D(G(z))) = -softplus(l)."""

    def generator(self, logits):
        return -softplus(logits).sum() / logits.size, -sigmoid(logits) / logits.size


class LeastSquares:
    def __init__(self, real_label=1.0):
        self.real_label = real_label

    def discriminator_real(self, logits):
        r = logits - self.real_label
        return 0.5 * (r * r).mean(), r / r.size

    def discriminator_fake(self, logits):
        return 0.5 * (logits * logits).mean(), logits / logits.size

    def generator(self, logits):
        f = logits - 1
        return 0.5 * (f * f).mean(), f / f.size


class Adam:
    """m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2, g = grad + wd p;
    p <- p - lr m_hat / (sqrt(v_hat) + eps), m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t)."""

    def __init__(self, model, lr, betas, eps, weight_decay):
        self.model, self.lr, self.eps, self.wd = model, lr, eps, weight_decay
        self.b1, self.b2 = betas
        self.t, self.m, self.v = 0, {}, {}

    def step(self):
        self.t += 1
        for name, p in list(self.model.params.items()):
            g = self.model.grads[name] + self.wd * p
            self.m[name] = self.b1 * self.m.get(name, 0) + (1 - self.b1) * g
            self.v[name] = self.b2 * self.v.get(name, 0) + (1 - self.b2) * g * g
            self.model.params[name] = p - self.lr * self.direction(name)

    def direction(self, name):
        m_hat = self.m[name] / (1 - self.b1 ** self.t)
        v_hat = self.v[name] / (1 - self.b2 ** self.t)
        return m_hat / (np.sqrt(v_hat) + self.eps)


class SGD:
    """v <- momentum v + (1 - dampening) g (v = g on the first step), g = grad + wd p; p <- p - lr v."""

    def __init__(self, model, lr, momentum, dampening, weight_decay, nesterov):
        self.model, self.lr, self.mu, self.damp, self.wd, self.nesterov = (model, lr, momentum, dampening,
                                                                           weight_decay, nesterov)
        self.v = {}

    def step(self):
        for name, p in list(self.model.params.items()):
            g = self.model.grads[name] + self.wd * p
            if self.mu:
                self.v[name] = g if name not in self.v else self.mu * self.v[name] + (1 - self.damp) * g
                g = g + self.mu * self.v[name] if self.nesterov else self.v[name]
            self.model.params[name] = p - self.lr * g


class Network:
    """Layers in order; ``params`` and ``grads`` name them "<index>.<name>" as nn.Sequential does."""

    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dy):
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    @property
    def params(self):
        return Named(self.layers, "params")

    @property
    def grads(self):
        return Named(self.layers, "grads")

    def state(self, prefix):
        return {f"{prefix}.{i}.{k}": v.copy() for i, layer in enumerate(self.layers)
                for store in (layer.params, layer.buffers) for k, v in store.items()}

    def load(self, state):
        for key, value in state.items():
            i, name = key.split(".", 1)
            layer = self.layers[int(i)]
            (layer.params if name in layer.params else layer.buffers)[name] = value


class Named(dict):
    """A copy of the layers' dicts under "<index>.<name>" that writes assignments back."""

    def __init__(self, layers, attr):
        super().__init__({f"{i}.{k}": v for i, layer in enumerate(layers) for k, v in getattr(layer, attr).items()})
        self.layers, self.attr = layers, attr

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        i, name = key.split(".", 1)
        getattr(self.layers[int(i)], self.attr)[name] = value


class TrainStep:
    """One D step (real and fake as two batches, gradients summed) and one G step through the
    updated D on the same fake, each with its own Adam."""

    def __init__(self, build, config):
        self.build, self.config = build, config

    def networks(self, weights):
        G = Network([self.build(kind, args) for kind, args in self.config["G"]])
        D = Network([self.build(kind, args) for kind, args in self.config["D"]])
        G.load({k[2:]: v for k, v in weights.items() if k.startswith("G.")})
        D.load({k[2:]: v for k, v in weights.items() if k.startswith("D.")})
        return G, D

    def discriminator_gradients(self, D, loss, real, fake):
        """D's gradients summed over its loss on the real batch and on the fake batch."""
        _, dreal = loss.discriminator_real(D.forward(real))
        D.backward(dreal)
        first = {k: v.copy() for k, v in D.grads.items()}
        _, dfake = loss.discriminator_fake(D.forward(fake))
        D.backward(dfake)
        for key, g in D.grads.items():
            D.grads[key] = first[key] + g

    def generator_logits(self, G, D, noise, fake):
        return D.forward(fake)

    def run(self, weights, noise, real):
        G, D = self.networks(weights)
        hyper = {k: tuple(v) if isinstance(v, list) else v for k, v in self.config["optimizer"]["hyper"].items()}
        loss = NonSaturating()
        opt_G, opt_D = Adam(G, **hyper), Adam(D, **hyper)
        fake = G.forward(noise)
        self.discriminator_gradients(D, loss, real, fake)
        opt_D.step()
        after_d = {**G.state("G"), **D.state("D")}
        _, dlogits = loss.generator(self.generator_logits(G, D, noise, fake))
        G.backward(D.backward(dlogits))
        opt_G.step()
        return after_d, {**G.state("G"), **D.state("D")}
