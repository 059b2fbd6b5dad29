"""The adapter protocol, as code: how every check drives an implementation.

One protocol serves the fixture checker (check.py), the finite-difference check
(minigan.gradcheck.check_layer) and the whole-step check (step.py). minigan's own layers,
losses and optimizers follow it as they are; a plain object with these members does too.

  layer       params: dict name -> array     forward reads its parameters from here on every
                                             call; the checks assign arrays into it
              grads: dict name -> array      backward leaves dL/dparam here, set or added
              buffers: dict name -> array    state that is not trained (running statistics)
              forward(x) -> y
              backward(dy) -> dx             dx = dL/dx for L = sum(y * dy)
              zero_grad()                    optional: without it the checks fill grads with zeros
              (a layer without parameters or buffers may leave out params, grads, buffers)
  loss        discriminator_real(logits) -> (value, dlogits)
              discriminator_fake(logits) -> (value, dlogits)
              generator(logits) -> (value, dlogits)
  optimizer   factory("optimizer", config) returns make(model) -> optimizer; ``model`` has
              params and grads (a layer, or step.Chain); optimizer.step() updates
              model.params from model.grads, in place or by assigning new arrays
  gan_step    optional: an object with run(weights, noise, real) -> outputs (step.py)

The checks call ``zero_grad`` (or fill grads with zeros) before every backward, so "set" and
"add" both work. Adapters written for format 1 (set_params, backward returning (dx, grads),
a discriminator(real, fake) loss, step(grads) optimizers) are still read, through former.py.

Each ``run_*`` below is a generator: it yields the outputs of one stage at a time (forward,
then backward; optimizer step after step), so the checker can compare a stage before the
next one runs. Arrays handed to an implementation are fresh copies in the check's dtype.
"""
import numpy as np

from ..backend import to_numpy
from . import former


def members(obj, name):
    """obj.params / grads / buffers, or an empty dict for an object without them."""
    return getattr(obj, name, None) if getattr(obj, name, None) is not None else {}


def load_state(obj, params, buffers=None):
    """Assign name -> array into obj.params and obj.buffers. A name the object lacks is an
    error, unless that dict is empty (an object that takes whatever names the case gives)."""
    for store_name, state in (("params", params), ("buffers", buffers or {})):
        store = members(obj, store_name)
        known = set(store)
        for name, value in state.items():
            if known and name not in known:
                raise KeyError(f"{type(obj).__name__}.{store_name} has no {name!r} (it has {sorted(store)}); "
                               f"name parameters and buffers as PyTorch does")
            store[name] = value


def zero_grads(obj):
    if callable(getattr(obj, "zero_grad", None)):
        obj.zero_grad()
        return
    grads = members(obj, "grads")
    for name, p in members(obj, "params").items():
        grads[name] = np.zeros_like(p)


def snapshot(value):
    """A float64 NumPy copy of an array the implementation returned (the value itself when it
    is not an array: the comparison reports that)."""
    if value is None:
        return None
    try:
        return np.array(to_numpy(value), dtype=np.float64)
    except (TypeError, ValueError):
        return value


def copies(store, prefix=""):
    return {f"{prefix}{k}": snapshot(v) for k, v in store.items()}


def cast(arrays, dtype):
    """Fresh copies of the case's input arrays in ``dtype``."""
    return {k: np.array(v, dtype=dtype) for k, v in arrays.items()}


def strip(arrays, prefix):
    return {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}


def layer_config(case, arrays):
    """What the factory gets for a layer case: the config, plus Dropout's mask in training."""
    if "mask" in arrays:
        return {**case.config, "mask": arrays["mask"]}
    return case.config


class Holder:
    """The model an optimizer check steps: parameters and gradients by name."""

    def __init__(self, params):
        self.params, self.grads = dict(params), {}


def make_optimizer(factory, optimizer_config, model):
    """factory("optimizer", {"name", "hyper", ...}) gives make(model); returns make(model)."""
    return former.as_optimizer_maker(factory("optimizer", optimizer_config))(model)


def run_layer(factory, case, arrays):
    config = layer_config(case, arrays)
    layer = former.as_layer(factory(case.kind, config), config)
    load_state(layer, strip(arrays, "param/"), strip(arrays, "buffer/"))
    out = {"y": snapshot(layer.forward(arrays["x"]))}
    if any(k.startswith("buffer/") for k in arrays):
        out.update(copies(members(layer, "buffers"), "buffer/"))
    yield out
    zero_grads(layer)
    dx = layer.backward(arrays["dy"])
    yield {"dx": snapshot(dx), **copies(members(layer, "grads"), "grad/")}


def run_loss(factory, case, arrays):
    loss = former.as_loss(factory("loss", case.config))
    if case.config["side"] == "discriminator":
        real, fake = arrays["real_logits"], arrays["fake_logits"]
        if isinstance(loss, former.FormerLoss):
            value, dreal, dfake = loss.discriminator(real, fake)
        else:
            real_value, dreal = loss.discriminator_real(real)
            fake_value, dfake = loss.discriminator_fake(fake)
            value = real_value + fake_value
        yield {"value": snapshot(value), "dreal": snapshot(dreal), "dfake": snapshot(dfake)}
    else:
        value, dfake = loss.generator(arrays["fake_logits"])
        yield {"value": snapshot(value), "dfake": snapshot(dfake)}


def run_optimizer(factory, case, arrays):
    model = Holder(strip(arrays, "param/"))
    optimizer = make_optimizer(factory, case.config, model)
    for t in range(case.config["steps"]):
        model.grads.clear()
        model.grads.update(strip(arrays, f"grad/{t}/"))
        optimizer.step()
        yield copies(model.params, f"step/{t}/")


def run_case(case, factory, arrays, dtype=np.float64):
    """Yield the case's outputs stage by stage, name -> float64 array (unchecked)."""
    arrays = cast(arrays, dtype)
    if case.group == "gan_step":
        from .step import run_gan_step
        return run_gan_step(factory, case, arrays)
    runner = {"layer": run_layer, "loss": run_loss, "optimizer": run_optimizer}[case.group]
    return runner(factory, case, arrays)


def run_all(case, factory, arrays, dtype=np.float64):
    """Every stage's outputs in one dict (what export records)."""
    out = {}
    for stage in run_case(case, factory, arrays, dtype):
        out.update(stage)
    return out
