"""The fixture cases: which configurations are recorded, and the inputs each one is given.

Every case is a ``Case(name, group, kind, config)``; ``inputs(case, seed)`` draws its input
arrays from a Generator seeded by (seed, crc32(name)), so a case's data does not depend on
which other cases exist. Groups and their input arrays (keys of the .npz file):

  layer       x, dy; param/<name> (parameters); buffer/<name> (running statistics);
              mask (Dropout in training: the kept entries scaled by 1/(1-p), the rest 0)
  loss        real_logits (discriminator side only), fake_logits; all (N, 1)
  optimizer   param/<name>, then grad/<t>/<name> for steps t = 0, 1, ...
  gan_step    weights/<G.i.name or D.i.name> (parameters and buffers), noise, real

Parameters are drawn at random (not from an initialiser) so that no default value, such as a
batch-norm scale of 1 or running statistics of 0 and 1, can hide a mistake.
"""
import inspect
import zlib
from dataclasses import dataclass

import numpy as np

from ..losses import LOSSES
from ..optim import OPTIMIZERS


@dataclass
class Case:
    name: str
    group: str          # layer | loss | optimizer | gan_step
    kind: str           # the layer class name, or "loss", "optimizer", "gan_step"
    config: dict        # JSON-able; what the factory is given
    shape: tuple = ()   # layers: the input's shape
    scale: float = 1.0  # layers: the input's standard deviation

    @property
    def file(self):
        return self.name.replace("/", "-") + ".npz"


def _pair(v):
    return [v, v] if isinstance(v, int) else list(v)


def _conv(kind, label, cin, cout, k, s, p, hw, op=None, bias=True):
    args = dict(in_channels=cin, out_channels=cout, kernel_size=_pair(k), stride=_pair(s),
                padding=_pair(p), bias=bias)
    if op is not None:
        args["output_padding"] = _pair(op)
    return Case(f"{kind}/{label}", "layer", kind, {"args": args, "training": True}, (2, cin) + hw)


def _layer(kind, label, args, shape, training=True, scale=1.0):
    return Case(f"{kind}/{label}", "layer", kind, {"args": args, "training": training}, shape, scale)


def layer_cases():
    cases = [
        _layer("Dense", "bias", dict(in_features=5, out_features=4, bias=True), (6, 5)),
        _layer("Dense", "no-bias", dict(in_features=5, out_features=3, bias=False), (6, 5)),
        _layer("Dense", "batch-1", dict(in_features=3, out_features=2, bias=True), (1, 3)),
        _conv("Conv2d", "k3-s1-p1", 2, 3, 3, 1, 1, (5, 5)),
        _conv("Conv2d", "k4-s2-p1", 2, 3, 4, 2, 1, (8, 8)),
        _conv("Conv2d", "k4-s2-p1-no-bias", 2, 3, 4, 2, 1, (8, 8), bias=False),
        _conv("Conv2d", "k1-s1-p0", 2, 3, 1, 1, 0, (5, 4)),
        _conv("Conv2d", "k3-s2-p0", 2, 3, 3, 2, 0, (7, 6)),
        _conv("Conv2d", "k3x2-s2x1-p1x0", 2, 3, (3, 2), (2, 1), (1, 0), (6, 5)),
        _conv("Conv2d", "k2x3-s1x2-p0x1", 2, 3, (2, 3), (1, 2), (0, 1), (5, 7)),
        _conv("Conv2d", "k5-s3-p2", 2, 3, 5, 3, 2, (7, 7)),
        _conv("ConvTranspose2d", "k4-s2-p1", 3, 2, 4, 2, 1, (3, 3), op=0),
        _conv("ConvTranspose2d", "k4-s2-p1-no-bias", 3, 2, 4, 2, 1, (3, 3), op=0, bias=False),
        _conv("ConvTranspose2d", "k3-s1-p1", 3, 2, 3, 1, 1, (4, 3), op=0),
        _conv("ConvTranspose2d", "k3-s2-p1-op1", 3, 2, 3, 2, 1, (3, 3), op=1),
        _conv("ConvTranspose2d", "k2-s2-p0", 3, 2, 2, 2, 0, (3, 3), op=0),
        _conv("ConvTranspose2d", "k5-s3-p2-op2", 3, 2, 5, 3, 2, (2, 2), op=2),
        _conv("ConvTranspose2d", "k3x2-s2x1-p1x0-op1x0", 3, 2, (3, 2), (2, 1), (1, 0), (3, 4), op=(1, 0)),
        _conv("ConvTranspose2d", "k2x4-s1x2-p0x1-op0x1", 3, 2, (2, 4), (1, 2), (0, 1), (3, 2), op=(0, 1)),
    ]
    bn = dict(eps=1e-5, momentum=0.1)
    bn_other = dict(eps=1e-3, momentum=0.5)
    for kind, label, shape, extra in (("BatchNorm1d", "2d", (6, 4), bn), ("BatchNorm1d", "3d", (3, 2, 4), bn),
                                      ("BatchNorm2d", "4d", (2, 3, 3, 4), bn)):
        for training in (True, False):
            mode = "train" if training else "eval"
            cases.append(_layer(kind, f"{label}-{mode}", dict(num_features=shape[1], **extra), shape, training))
    cases += [
        _layer("BatchNorm1d", "2d-train-momentum0.5-eps1e-3", dict(num_features=4, **bn_other), (6, 4)),
        _layer("BatchNorm2d", "4d-train-momentum0.5-eps1e-3", dict(num_features=3, **bn_other), (2, 3, 3, 4)),
        _layer("ReLU", "2d", {}, (4, 5)),
        _layer("ReLU", "4d", {}, (2, 2, 3, 3)),
    ]
    cases += [_layer("LeakyReLU", f"slope{a}", dict(negative_slope=a), (4, 5)) for a in (0.01, 0.2, 0.5)]
    cases += [
        _layer("Tanh", "2d", {}, (4, 5), scale=2.0),
        _layer("Sigmoid", "2d", {}, (4, 5), scale=3.0),
        _layer("Flatten", "4d", {}, (2, 3, 2, 2)),
        _layer("Reshape", "to-3x2x2", dict(shape=[3, 2, 2]), (3, 12)),
        _layer("MinibatchDiscrimination", "a4-b3-c2", dict(in_features=4, num_kernels=3, kernel_dim=2), (5, 4)),
        _layer("MinibatchDiscrimination", "a3-b2-c4", dict(in_features=3, num_kernels=2, kernel_dim=4), (4, 3)),
        _layer("Dropout", "p0.5-eval", dict(p=0.5), (4, 5), training=False),
        _layer("Dropout", "p0.5-train-mask", dict(p=0.5), (4, 5)),
        _layer("Dropout", "p0.2-train-mask", dict(p=0.2), (2, 3, 4)),
    ]
    return cases


def loss_cases():
    cases = []
    for name, cls in LOSSES.items():
        smoothable = "real_label" in inspect.signature(cls).parameters
        for side in ("discriminator", "generator"):
            config = {"name": name, "side": side}
            if smoothable:
                config["real_label"] = 1.0
            cases.append(Case(f"loss/{name}/{side}", "loss", "loss", config))
        if smoothable:
            config = {"name": name, "side": "discriminator", "real_label": 0.9}
            cases.append(Case(f"loss/{name}/discriminator-real-label-0.9", "loss", "loss", config))
    return cases


OPTIMIZER_SETTINGS = [
    ("sgd", "plain", dict(lr=0.1)),
    ("sgd", "momentum", dict(lr=0.1, momentum=0.9)),
    ("sgd", "momentum-dampening-weight-decay", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("sgd", "nesterov", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("adam", "default", dict(lr=1e-3)),
    ("adam", "dcgan-weight-decay", dict(lr=2e-4, betas=[0.5, 0.999], weight_decay=0.01)),
    ("rmsprop", "default", dict(lr=1e-2)),
    ("rmsprop", "momentum-weight-decay", dict(lr=5e-3, alpha=0.9, momentum=0.5, weight_decay=0.01)),
]
OPTIMIZER_STEPS = 5


def optimizer_cases():
    cases = []
    for name, label, hyper in OPTIMIZER_SETTINGS:
        full = {k: list(v) if isinstance(v, tuple) else v for k, v in OPTIMIZERS[name].defaults.items()}
        full.update(hyper)
        config = {"name": name, "hyper": full, "steps": OPTIMIZER_STEPS}
        cases.append(Case(f"optimizer/{name}/{label}", "optimizer", "optimizer", config))
    return cases


def gan_step_case():
    """A small G and D, one discriminator step then one generator step, each with Adam.

    G's first Dense has no bias: batch norm removes the mean, so that bias's gradient would be
    zero up to rounding, and Adam turns rounding noise into full-size steps of random sign."""
    z_dim, hidden, data_dim = 4, 8, 2
    G = [["Dense", dict(in_features=z_dim, out_features=hidden, bias=False)],
         ["BatchNorm1d", dict(num_features=hidden, eps=1e-5, momentum=0.1)],
         ["ReLU", {}],
         ["Dense", dict(in_features=hidden, out_features=data_dim, bias=True)],
         ["Tanh", {}]]
    D = [["Dense", dict(in_features=data_dim, out_features=hidden, bias=True)],
         ["LeakyReLU", dict(negative_slope=0.2)],
         ["Dense", dict(in_features=hidden, out_features=1, bias=True)]]
    adam = {"name": "adam", "hyper": dict(lr=2e-4, betas=[0.5, 0.999], eps=1e-8, weight_decay=0.0)}
    config = {"G": G, "D": D, "loss": "non-saturating", "optimizer": adam, "batch_size": 8, "z_dim": z_dim}
    return Case("gan_step/mlp-batchnorm-non-saturating-adam", "gan_step", "gan_step", config)


def all_cases():
    return layer_cases() + loss_cases() + optimizer_cases() + [gan_step_case()]


def case_rng(seed, case):
    return np.random.default_rng([seed, zlib.crc32(case.name.encode())])


def random_state(rng, params, buffers):
    """Random values for a layer's parameters and buffers, keyed param/<name> and buffer/<name>.
    ``params`` and ``buffers`` map names to shapes. 1-D weights (batch-norm scales) centre on 1,
    running variances lie in [0.5, 2]."""
    arrays = {}
    for name, shape in params.items():
        centre = 1.0 if name.endswith("weight") and len(shape) == 1 else 0.0
        arrays[f"param/{name}"] = centre + 0.5 * rng.standard_normal(shape)
    for name, shape in buffers.items():
        if name.endswith("running_var"):
            arrays[f"buffer/{name}"] = rng.uniform(0.5, 2.0, shape)
        else:
            arrays[f"buffer/{name}"] = 0.5 * rng.standard_normal(shape)
    return arrays


def inputs(case, seed, layer_shapes):
    """The input arrays of one case. ``layer_shapes(kind, args, x_shape) -> (params, buffers,
    y_shape)`` gives the names and shapes of a layer's arrays and its output's shape (minigan's
    layers answer it; see adapters.py)."""
    rng = case_rng(seed, case)
    if case.group == "layer":
        params, buffers, y_shape = layer_shapes(case.kind, case.config["args"], case.shape)
        arrays = random_state(rng, params, buffers)
        arrays["x"] = case.scale * rng.standard_normal(case.shape)
        arrays["dy"] = rng.standard_normal(y_shape)
        if case.kind == "Dropout" and case.config["training"]:
            p = case.config["args"]["p"]
            arrays["mask"] = (rng.random(case.shape) >= p) * (1.0 / (1.0 - p))
        return arrays
    if case.group == "loss":
        n = 8
        arrays = {"fake_logits": 2.0 * rng.standard_normal((n, 1))}
        if case.config["side"] == "discriminator":
            arrays["real_logits"] = 2.0 * rng.standard_normal((n, 1))
        return arrays
    if case.group == "optimizer":
        shapes = {"weight": (3, 4), "bias": (4,)}
        arrays = {f"param/{k}": rng.standard_normal(s) for k, s in shapes.items()}
        for t in range(case.config["steps"]):
            arrays.update({f"grad/{t}/{k}": rng.standard_normal(s) for k, s in shapes.items()})
        return arrays
    if case.group == "gan_step":
        arrays = {}
        for prefix in ("G", "D"):
            for i, (kind, args) in enumerate(case.config[prefix]):
                params, buffers, _ = layer_shapes(kind, args, None)
                state = random_state(rng, params, buffers)
                arrays.update({f"weights/{prefix}.{i}.{k.split('/', 1)[1]}": v for k, v in state.items()})
        n, z_dim = case.config["batch_size"], case.config["z_dim"]
        data_dim = case.config["D"][0][1]["in_features"]
        arrays["real"] = np.tanh(rng.standard_normal((n, data_dim)))
        arrays["noise"] = rng.standard_normal((n, z_dim))
        return arrays
    raise ValueError(f"unknown case group {case.group!r}")
