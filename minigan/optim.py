"""Optimizers with PyTorch's update rules and defaults. The only code that changes weights.

An optimizer is built from a layer or a Sequential and reads ``model.params`` and
``model.grads`` afresh at every step, so arrays assigned into ``params`` are honoured.
Updates are in place (``p -= ...``) so the arrays keep their identity and device.
Per-parameter state (momentum, moments) is created on first use and kept by name.
"""
import math

import numpy as np

from .backend import all_finite, device_of, fits, get_array_module, to_device, to_numpy, upload
from .nn import fast, fused
from .nn.parallel import for_rows, on_cpu


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
    device_constants = None      # see constants_on_device

    def __init__(self, model, **hyper):
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            raise TypeError(f"{type(self).__name__} got unknown arguments {sorted(unknown)}")
        self.model = model
        self.hyper = {**self.defaults, **hyper}
        if self.hyper["lr"] < 0:
            raise ValueError(f"learning rate must be >= 0, got {self.hyper['lr']}")
        self.state = {}          # name -> dict of arrays
        self.scratch = {}        # name -> work array of the in-place fast paths; not state
        self.step_count = 0

    def zero_grad(self):
        self.model.zero_grad()

    def step(self):
        """Apply one update to every parameter from its accumulated gradient.

        Every gradient is checked first (present, same shape as its parameter, floating
        point, finite); a bad one raises ValueError naming it and nothing is updated."""
        check_gradients(self.model.params, self.model.grads)
        self.step_count += 1
        self.upload_constants()
        self.apply()

    def apply(self):
        """The update of every parameter for step ``step_count``, without the checks of ``step``.

        It never reads a value back to the host, so a CUDA graph can capture it (gan/graph.py);
        per-step numbers come from ``step_constants``, on the device after ``constants_on_device``."""
        params, grads = self.model.params, self.model.grads
        for name, p in params.items():
            self.update(name, p, grads[name])

    def update(self, name, p, grad):
        raise NotImplementedError

    def constants_on_device(self):
        """Keep the numbers that change from step to step in a device array, which
        ``upload_constants`` fills before each step: a captured graph reads them at run time
        instead of the values of the step it was captured at. Optimizers without such numbers
        (SGD, RMSprop: every constant is a hyper-parameter) need nothing."""

    def upload_constants(self):
        """Write this step's constants into the device array, if there is one (before the
        step runs, outside a captured graph)."""

    def _buffer(self, name, key, p):
        """The state array state[name][key], zeros like p, re-made if p changed shape/dtype/device."""
        slot = self.state.setdefault(name, {})
        buf = slot.get(key)
        if not fits(buf, p):
            buf = slot[key] = get_array_module(p).zeros_like(p)
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
            v = self._buffer(name, "momentum", p)
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
    with g = grad + weight_decay p. DCGAN uses lr=2e-4, betas=(0.5, 0.999).

    Fast path (``fast.ENABLED``): the same arithmetic in place through one scratch array
    per parameter (kept out of the state dict), no temporaries allocated per step; on CuPy
    with ``fast.CUDA_FUSED``, one kernel per parameter (nn/fused.py)."""
    defaults = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}

    def host_constants(self, t):
        """(lr / (1 - b1^t), sqrt(1 - b2^t)): the bias corrections of step t, in double precision."""
        b1, b2 = self.hyper["betas"]
        return self.hyper["lr"] / (1 - b1 ** t), math.sqrt(1 - b2 ** t)

    def step_constants(self):
        """This step's (step_size, bias2_sqrt): Python floats, or 0-d views of the device array
        in the parameters' dtype, which round the same way (a float meets a float32 array as
        a float32)."""
        if self.device_constants is None:
            return self.host_constants(self.step_count)
        return self.device_constants[0], self.device_constants[1]

    def constants_on_device(self):
        p = next(iter(self.model.params.values()))
        self.device_constants = get_array_module(p).zeros(2, dtype=p.dtype)

    def upload_constants(self):
        if self.device_constants is None:
            return
        p = next(iter(self.model.params.values()))
        if not fits(self.device_constants, p, shape=False):
            self.constants_on_device()                   # the model was cast or moved since
        host = np.array(self.host_constants(self.step_count), dtype=self.device_constants.dtype)
        upload(self.device_constants, host)

    def update(self, name, p, grad):
        if fast.ENABLED:
            return self._update_in_place(name, p, grad)
        h = self.hyper
        b1, b2 = h["betas"]
        step_size, bias2_sqrt = self.step_constants()
        g = grad + h["weight_decay"] * p if h["weight_decay"] else grad
        xp = get_array_module(p)
        m, v = self._buffer(name, "exp_avg", p), self._buffer(name, "exp_avg_sq", p)
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * (g * g)
        denom = xp.sqrt(v) / bias2_sqrt + h["eps"]
        p -= step_size * (m / denom)

    def _update_in_place(self, name, p, grad):
        h = self.hyper
        if fused.active(p) and grad.dtype == p.dtype:
            m, v = self._buffer(name, "exp_avg", p), self._buffer(name, "exp_avg_sq", p)
            return fused.adam(p, grad, m, v, h["betas"], h["eps"], h["weight_decay"], *self.step_constants())
        g = grad + h["weight_decay"] * p if h["weight_decay"] else grad
        arrays = (p, g, self._buffer(name, "exp_avg", p), self._buffer(name, "exp_avg_sq", p),
                  self._scratch(name, p))
        constants = self.step_constants()
        if not (on_cpu(p) and all(a.flags.c_contiguous for a in arrays)):
            return self._adam_pass(*arrays, *constants)  # on a GPU pieces would only add launches
        # All thirteen passes over one cache-sized piece, then the next piece: the piece stays
        # in the CPU cache instead of thirteen sweeps through main memory (~20% faster). The
        # pieces are shared out among the CPU threads (nn/parallel.py).
        flat = [a.reshape(-1) for a in arrays]                              # views: contiguous
        starts = range(0, p.size, fast.ADAM_CHUNK)

        def update_pieces(first, last):
            for start in starts[first:last]:
                self._adam_pass(*(a[start:start + fast.ADAM_CHUNK] for a in flat), *constants)
        for_rows(update_pieces, len(starts), p.size)

    def _adam_pass(self, p, g, m, v, scratch, step_size, bias2_sqrt):
        h = self.hyper
        b1, b2 = h["betas"]
        xp = get_array_module(p)
        m *= b1
        xp.multiply(g, 1 - b1, out=scratch)
        m += scratch
        v *= b2
        xp.multiply(g, g, out=scratch)
        scratch *= 1 - b2
        v += scratch
        denom = xp.sqrt(v, out=scratch)
        denom /= bias2_sqrt
        denom += h["eps"]
        step = xp.divide(m, denom, out=scratch)
        step *= step_size
        p -= step

    def _scratch(self, name, p):
        buf = self.scratch.get(name)
        if not fits(buf, p):
            buf = self.scratch[name] = get_array_module(p).empty_like(p)
        return buf


class RMSprop(Optimizer):
    """v <- alpha v + (1 - alpha) g^2,   p <- p - lr g / (sqrt(v) + eps)
    (momentum: b <- momentum b + g / (sqrt(v) + eps), p <- p - lr b).
    WGAN uses lr=5e-5."""
    defaults = {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0}

    def update(self, name, p, grad):
        h = self.hyper
        g = grad + h["weight_decay"] * p if h["weight_decay"] else grad
        xp = get_array_module(p)
        v = self._buffer(name, "square_avg", p)
        v *= h["alpha"]
        v += (1 - h["alpha"]) * (g * g)
        direction = g / (xp.sqrt(v) + h["eps"])
        if h["momentum"]:
            b = self._buffer(name, "momentum_buffer", p)
            b *= h["momentum"]
            b += direction
            direction = b
        p -= h["lr"] * direction


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}
