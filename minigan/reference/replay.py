"""A training step replayed from its trace file alone (``python -m minigan trace`` writes it).

trace.npz holds, besides every layer's inputs, outputs and gradients (minigan.trace):

  state/before/<G|D>.<name>, state/after/...     parameters and batch-norm buffers
  optimizer/before/<G|D>/<name>/<key>, .../after  optimizer state (Adam's exp_avg, exp_avg_sq)
  input/noise/<i>, input/real/<i>                 each noise and real batch the trainer drew, in order
  meta                                            JSON, as UTF-8 bytes: the networks as lists of
                                                  [kind, args] (PyTorch's names, as the fixtures' GAN
                                                  step gives them), the optimizers' names, hyper-
                                                  parameters and step counts, the GANConfig, the
                                                  trainer's random state, the dtype and the steps

``replay(path)`` builds G, D, their optimizers and a GANTrainer from ``meta``, loads the state
before the step, hands the trainer the recorded batches, runs the steps and compares every
tensor of the state after with the recorded one (tolerance presets of tolerances.py). Another
implementation can do the same from the file: build its networks from ``meta["networks"]``,
load ``state/before``, run the step of docs/reference.md on ``input/noise/0`` and
``input/real/0`` and compare with ``state/after``.
"""
import json

import numpy as np

from .. import nn
from ..backend import to_numpy
from ..optim import OPTIMIZERS
from .check import compare
from .report import CaseResult
from .tolerances import preset

ARGS = {
    "Dense": lambda m: dict(in_features=m.in_features, out_features=m.out_features, bias="bias" in m.params),
    "Conv2d": lambda m: dict(conv_args(m), bias="bias" in m.params),
    "ConvTranspose2d": lambda m: dict(conv_args(m), output_padding=list(m.output_padding), bias="bias" in m.params),
    "BatchNorm1d": lambda m: dict(num_features=m.num_features, eps=m.eps, momentum=m.momentum),
    "BatchNorm2d": lambda m: dict(num_features=m.num_features, eps=m.eps, momentum=m.momentum),
    "LeakyReLU": lambda m: dict(negative_slope=m.negative_slope),
    "Reshape": lambda m: dict(shape=list(m.shape)),
    "Dropout": lambda m: dict(p=m.p),
    "MinibatchDiscrimination": lambda m: dict(in_features=m.in_features, num_kernels=m.num_kernels,
                                              kernel_dim=m.kernel_dim),
    "ReLU": lambda m: {}, "Tanh": lambda m: {}, "Sigmoid": lambda m: {}, "Flatten": lambda m: {},
}


def conv_args(m):
    return dict(in_channels=m.in_channels, out_channels=m.out_channels, kernel_size=list(m.kernel_size),
                stride=list(m.stride), padding=list(m.padding))


def readable_class(obj, namespace):
    """The class of minigan's readable code behind ``obj`` (minigan.accel's twins subclass it)."""
    return next((c for c in type(obj).__mro__ if namespace.get(c.__name__) is c), None)


def layer_spec(layer):
    """[kind, args] of a minigan layer, or None for one the fixtures do not describe."""
    cls = readable_class(layer, vars(nn))
    if cls is None or cls.__name__ not in ARGS or getattr(layer, "weight_scale", None) is not None:
        return None
    return [cls.__name__, ARGS[cls.__name__](layer)]


def network_spec(model):
    specs = [layer_spec(layer) for layer in model.layers]
    return None if any(s is None for s in specs) else specs


def optimizer_of(trainer, net):
    return trainer.g_optimizer if net == "G" else trainer.d_optimizer


def trainer_meta(trainer):
    """What replay needs besides arrays; JSON-able."""
    optimizers = {}
    for net in ("G", "D"):
        opt = optimizer_of(trainer, net)
        cls = readable_class(opt, {c.__name__: c for c in OPTIMIZERS.values()})
        name = next((k for k, v in OPTIMIZERS.items() if v is cls), None)
        hyper = {k: list(v) if isinstance(v, tuple) else v for k, v in opt.hyper.items()}
        optimizers[net] = {"name": name, "hyper": hyper, "step_count": opt.step_count}
    first = next(iter(trainer.G.params.values()))
    return {"networks": {"G": network_spec(trainer.G), "D": network_spec(trainer.D)}, "optimizers": optimizers,
            "config": trainer.config.to_dict(), "rng": trainer.rng.bit_generator.state, "step": trainer.step,
            "dtype": str(first.dtype)}


def trainer_state(trainer, when):
    """state/<when>/... and optimizer/<when>/... arrays of G, D and their optimizers."""
    arrays = {}
    for net, model in (("G", trainer.G), ("D", trainer.D)):
        for store in (model.params, model.buffers):
            arrays.update({f"state/{when}/{net}.{k}": np.array(to_numpy(v)) for k, v in store.items()})
        for name, slot in optimizer_of(trainer, net).state_dict()["state"].items():
            arrays.update({f"optimizer/{when}/{net}/{name}/{k}": np.array(v) for k, v in slot.items()})
    return arrays


def step_counts(trainer):
    return {net: optimizer_of(trainer, net).step_count for net in ("G", "D")}


def read_trace(path):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return json.loads(arrays.pop("meta").tobytes().decode()), arrays


def rebuild(meta, arrays):
    """A GANTrainer in the state before the traced steps, drawing the recorded batches."""
    from ..gan import GANConfig, GANTrainer
    from .adapters import build_layer
    if None in meta["networks"].values():
        raise ValueError("the trace holds a layer the fixtures do not describe (equalised learning rate, "
                         "progressive growing): it cannot be replayed from the file alone")
    dtype = meta["dtype"]
    nets = {net: nn.Sequential(*(build_layer(k, a) for k, a in meta["networks"][net])).astype(dtype)
            for net in ("G", "D")}
    for key, value in arrays.items():
        if key.startswith("state/before/"):
            net, name = key[len("state/before/"):].split(".", 1)
            model = nets[net]
            (model.params if name in model.params else model.buffers)[name] = value.copy()
    optimizers = {}
    for net, o in meta["optimizers"].items():
        optimizers[net] = OPTIMIZERS[o["name"]](nets[net], **o["hyper"])
        state = {}
        for key, value in arrays.items():
            if key.startswith(f"optimizer/before/{net}/"):
                name, slot = key[len(f"optimizer/before/{net}/"):].rsplit("/", 1)
                state.setdefault(name, {})[slot] = value
        optimizers[net].load_state_dict({"hyper": o["hyper"], "step_count": o["step_count"], "state": state})
    config = GANConfig.from_dict({**meta["config"], "accel": False})
    trainer = GANTrainer(nets["G"], nets["D"], optimizers["G"], optimizers["D"], None, config)
    trainer.rng.bit_generator.state = meta["rng"]
    trainer.step = meta["step"]
    for kind, attr in (("noise", "noise"), ("real", "real_batch")):
        count = sum(k.startswith(f"input/{kind}/") for k in arrays)
        batches = iter([arrays[f"input/{kind}/{i}"] for i in range(count)])
        setattr(trainer, attr, lambda n, b=batches: next(b).copy())
    return trainer


def replay(path, rtol=None, atol=None):
    """Replay the traced steps; a CaseResult comparing every state/after and optimizer/after tensor."""
    meta, arrays = read_trace(path)
    default_rtol, default_atol = preset(meta["dtype"] if meta["dtype"] in ("float32", "float64") else "float32")
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    trainer = rebuild(meta, arrays)
    for _ in range(meta["steps"]):
        trainer.train_step()
    after = {k.replace("/replayed/", "/after/"): v for k, v in trainer_state(trainer, "replayed").items()}
    expected = {k: v for k, v in arrays.items() if k.startswith(("state/after/", "optimizer/after/"))}
    tensors = [compare(k, after.get(k), expected[k], rtol, atol) for k in sorted(expected)]
    tensors += [compare(k, after[k], np.zeros(0), rtol, atol) for k in sorted(set(after) - set(expected))]
    return CaseResult(str(path), "trace", "passed" if all(t.ok for t in tensors) else "failed", tensors)
