"""Optimizers with PyTorch's update rules and defaults. The only code that changes weights.

An optimizer is built from a layer or a Sequential and reads ``model.params`` and
``model.grads`` afresh at every step, so arrays assigned into ``params`` are honoured.
Updates are in place (``p -= ...``) so the arrays keep their identity and device.
Per-parameter state (momentum, moments) is created on first use and kept by name; it
follows its parameter when the model is moved to another device or cast to another dtype.
"""
import math
import numbers

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


def check_number(owner, name, value, low, high, high_open=False):
    """A real number in [low, high] (or [low, high) with ``high_open``); else ValueError giving
    the valid range, as PyTorch's optimizers do."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or \
            not low <= value <= high or (high_open and value == high):
        interval = f">= {low:g}" if high == math.inf else f"in [{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{owner}: {name} must be a finite number {interval}, got {value!r}")


class Optimizer:
    defaults = {}
    ranges = {"lr": (0, math.inf), "weight_decay": (0, math.inf)}     # name -> (low, high[, "open"])

    def __init__(self, model, **hyper):
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            raise TypeError(f"{type(self).__name__} got unknown arguments {sorted(unknown)}")
        self.model = model
        self.hyper = self.checked({**self.defaults, **hyper})
        self.state = {}          # name -> dict of arrays
        self.step_count = 0

    def checked(self, hyper):
        """The hyper-parameters, each checked against ``ranges``; ValueError naming a bad one."""
        owner = type(self).__name__
        for name, (low, high, *how) in self.ranges.items():
            if name in hyper:
                check_number(owner, name, hyper[name], low, high, high_open=bool(how))
        return hyper

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
        """Restore ``state_dict``'s output, after ``check_state_dict``: a mismatch raises
        ValueError and changes nothing."""
        hyper = self.check_state_dict(state)
        params = self.model.params
        self.hyper, self.step_count = hyper, int(state["step_count"])
        self.state = {name: {k: to_device(np.array(v, dtype=params[name].dtype), device_of(params[name]))
                             for k, v in slot.items()} for name, slot in state["state"].items()}

    def check_state_dict(self, state):
        """Raise ValueError unless ``state`` fits this optimizer and model: the hyper-parameters
        are this rule's and valid, each state array belongs to a parameter and has its shape.
        Returns the hyper-parameters to use."""
        owner = type(self).__name__
        hyper = dict(state["hyper"])
        missing = sorted(set(self.defaults) - set(hyper))
        if missing or set(hyper) - set(self.defaults) - {"initial_lr"}:
            raise ValueError(f"{owner} cannot load the state of another rule: it has hyper-parameters "
                             f"{sorted(hyper)}, {owner} needs {sorted(self.defaults)}")
        if "betas" in hyper:
            hyper["betas"] = tuple(hyper["betas"])
        self.checked(hyper)
        params = self.model.params
        for name, slot in state["state"].items():
            if name not in params:
                raise ValueError(f"{owner} state for '{name}', which the model does not have: the state of "
                                 f"another model")
            for key, value in slot.items():
                if tuple(np.shape(value)) != tuple(params[name].shape):
                    raise ValueError(f"{owner} state '{name}/{key}' has shape {tuple(np.shape(value))}, the "
                                     f"parameter {tuple(params[name].shape)}: the state of another model")
        int(state["step_count"])
        return hyper

    def __repr__(self):
        args = ", ".join(f"{k}={v}" for k, v in self.hyper.items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """v <- momentum v + (1 - dampening) g   (v = g at the first step)
    p <- p - lr v          (nesterov: p <- p - lr (g + momentum v))
    with g = grad + weight_decay p."""
    defaults = {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False}
    ranges = {**Optimizer.ranges, "momentum": (0, math.inf), "dampening": (0, 1)}

    def checked(self, hyper):
        super().checked(hyper)
        if not isinstance(hyper["nesterov"], bool):
            raise ValueError(f"SGD: nesterov must be True or False, got {hyper['nesterov']!r}")
        if hyper["nesterov"] and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening 0")
        return hyper

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
    ranges = {**Optimizer.ranges, "eps": (0, math.inf)}

    def checked(self, hyper):
        super().checked(hyper)
        betas = hyper["betas"]
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise ValueError(f"Adam: betas must be a pair (b1, b2), got {betas!r}")
        for i, beta in enumerate(betas):
            check_number("Adam", f"betas[{i}]", beta, 0, 1, high_open=True)
        hyper["betas"] = tuple(betas)
        return hyper

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
    ranges = {**Optimizer.ranges, "alpha": (0, 1), "eps": (0, math.inf), "momentum": (0, math.inf)}

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
