"""Optimizers with PyTorch's update rules and defaults. The only code that changes weights.

An optimizer is built from a layer or a Sequential and reads ``model.params`` and
``model.grads`` afresh at every step, so arrays assigned into ``params`` are honoured.
Updates are in place (``p -= ...``) so the arrays keep their identity and device.
Per-parameter state (momentum, moments) is created on first use and kept by name; it
follows its parameter when the model is moved to another device or cast to another dtype.
"""
import math

import numpy as np

from .backend import all_finite, device_of, get_array_module, to_device, to_numpy


def check_gradients(params, grads):
    """Every gradient present, shaped like its parameter, floating point and finite; else a
    ValueError naming the first bad one. One read back to the host for the finiteness of all."""
    for name, p in params.items():
        grad = grads.get(name)
        if grad is None:
            raise ValueError(f"parameter '{name}' has no gradient: call zero_grad() and backward() first")
        if grad.shape != p.shape:
            raise ValueError(f"gradient of '{name}' has shape {tuple(grad.shape)}, the parameter {tuple(p.shape)}")
        if grad.dtype.kind != "f":
            raise ValueError(f"gradient of '{name}' has dtype {grad.dtype}; expected floating point like the "
                             f"parameter")
    if all_finite(grads[name] for name in params):
        return
    bad = next(name for name in params if not all_finite([grads[name]]))
    raise ValueError(f"gradient of '{bad}' holds non-finite values (NaN or inf); no weight was updated")


class Optimizer:
    defaults = {}

    def __init__(self, model, **hyper):
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            raise TypeError(f"{type(self).__name__} got unknown arguments {sorted(unknown)}")
        self.model = model
        self.hyper = {**self.defaults, **hyper}
        if self.hyper["lr"] < 0:
            raise ValueError(f"learning rate must be >= 0, got {self.hyper['lr']}")
        self.state = {}          # name -> dict of arrays
        self.step_count = 0

    def zero_grad(self):
        self.model.zero_grad()

    def step(self):
        """Apply one update to every parameter from its accumulated gradient.

        Every gradient is checked first (present, same shape as its parameter, floating
        point, finite); a bad one raises ValueError naming it and nothing is updated."""
        params, grads = self.model.params, self.model.grads
        check_gradients(params, grads)
        self.step_count += 1
        for name, p in params.items():
            self.update(name, p, grads[name])

    def update(self, name, p, grad):
        """Update the parameter array ``p`` in place from its gradient (step ``step_count``)."""
        raise NotImplementedError

    def buffer(self, name, key, p):
        """The state array state[name][key]: zeros like p at first; moved to p's device and cast
        to p's dtype when the model was moved or cast since (the values are kept)."""
        slot = self.state.setdefault(name, {})
        buf = slot.get(key)
        if buf is None:
            buf = slot[key] = get_array_module(p).zeros_like(p)
        elif buf.shape != p.shape:
            raise ValueError(f"{type(self).__name__} state '{name}/{key}' has shape {tuple(buf.shape)}, the "
                             f"parameter {tuple(p.shape)}: the model changed; build a new optimizer for it")
        elif buf.dtype != p.dtype or device_of(buf) != device_of(p):
            buf = slot[key] = to_device(buf, device_of(p)).astype(p.dtype)
        return buf

    def state_dict(self):
        """Plain data: hyper-parameters, step count and NumPy copies of every state array."""
        return {
            "hyper": dict(self.hyper),
            "step_count": self.step_count,
            "state": {name: {k: to_numpy(v) for k, v in slot.items()} for name, slot in self.state.items()},
        }

    def load_state_dict(self, state):
        self.hyper = dict(state["hyper"])
        self.step_count = int(state["step_count"])
        self.state = {}
        for name, slot in state["state"].items():
            device = device_of(self.model.params[name])
            self.state[name] = {k: to_device(np.array(v), device) for k, v in slot.items()}

    def __repr__(self):
        args = ", ".join(f"{k}={v}" for k, v in self.hyper.items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """v <- momentum v + (1 - dampening) g   (v = g at the first step)
    p <- p - lr v          (nesterov: p <- p - lr (g + momentum v))
    with g = grad + weight_decay p."""
    defaults = {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False}

    def update(self, name, p, grad):
        h = self.hyper
        g = grad + h["weight_decay"] * p if h["weight_decay"] else grad
        if h["momentum"]:
            first = name not in self.state
            v = self.buffer(name, "momentum", p)
            if first:
                v[...] = g
            else:
                v *= h["momentum"]
                v += (1 - h["dampening"]) * g
            g = g + h["momentum"] * v if h["nesterov"] else v
        p -= h["lr"] * g


class Adam(Optimizer):
    """m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2
    p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)      (PyTorch's form)
    with g = grad + weight_decay p. This is the textbook m_hat / (sqrt(v_hat) + eps) with the
    bias corrections m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t) moved onto the scalars.
    DCGAN uses lr=2e-4, betas=(0.5, 0.999)."""
    defaults = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}

    def bias_corrections(self):
        """(lr / (1 - b1^t), sqrt(1 - b2^t)) for this step t, in double precision."""
        b1, b2 = self.hyper["betas"]
        t = self.step_count
        return self.hyper["lr"] / (1 - b1 ** t), math.sqrt(1 - b2 ** t)

    def update(self, name, p, grad):
        h = self.hyper
        b1, b2 = h["betas"]
        step_size, bias2_sqrt = self.bias_corrections()
        g = grad + h["weight_decay"] * p if h["weight_decay"] else grad
        xp = get_array_module(p)
        m, v = self.buffer(name, "exp_avg", p), self.buffer(name, "exp_avg_sq", p)
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * (g * g)
        denom = xp.sqrt(v) / bias2_sqrt + h["eps"]
        p -= step_size * (m / denom)


class RMSprop(Optimizer):
    """v <- alpha v + (1 - alpha) g^2,   p <- p - lr g / (sqrt(v) + eps)
    (momentum: b <- momentum b + g / (sqrt(v) + eps), p <- p - lr b).
    WGAN uses lr=5e-5."""
    defaults = {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0}

    def update(self, name, p, grad):
        h = self.hyper
        g = grad + h["weight_decay"] * p if h["weight_decay"] else grad
        xp = get_array_module(p)
        v = self.buffer(name, "square_avg", p)
        v *= h["alpha"]
        v += (1 - h["alpha"]) * (g * g)
        direction = g / (xp.sqrt(v) + h["eps"])
        if h["momentum"]:
            b = self.buffer(name, "momentum_buffer", p)
            b *= h["momentum"]
            b += direction
            direction = b
        p -= h["lr"] * direction


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}
