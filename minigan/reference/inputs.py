"""The input arrays of each fixture case, drawn from a Generator seeded by (seed, crc32(name)),
so a case's data does not depend on which other cases exist. Keys of the .npz file:

  layer       x, dy; param/<name> (parameters); buffer/<name> (running statistics);
              mask (Dropout in training: the kept entries scaled by 1/(1-p), the rest 0)
  loss        real_logits (discriminator side only), fake_logits; all (N, 1)
  optimizer   param/<name>, then grad/<t>/<name> for steps t = 0, 1, ...
  gan_step    weights/<G.i.name or D.i.name> (parameters and buffers), noise, real

Every value is a float32 number stored as float64, so a float32 implementation receives the
fixture's inputs exactly and only its own arithmetic separates it from the float64 results.
Parameters are drawn at random (not from an initialiser) so that no default value, such as a
batch-norm scale of 1 or running statistics of 0 and 1, can hide a mistake.

Cases with ``special`` set depart from plain normal draws where a convention hides:
  kink      exact zeros in x (ReLU, LeakyReLU); for mini-batch discrimination, inputs and
            weights in quarters (exact in any summation order) with two pairs of equal samples
  constant  batch norm with channel 0 holding one value for the whole batch (variance 0)
  tails     logits -800, -40, -20, -1, 0, 1, 20, 40, 800 in a random order
"""
import zlib

import numpy as np

TAIL_LOGITS = (-800.0, -40.0, -20.0, -1.0, 0.0, 1.0, 20.0, 40.0, 800.0)


def f32(a):
    """The nearest float32 values, as float64."""
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


def case_rng(seed, case):
    return np.random.default_rng([seed, zlib.crc32(case.name.encode())])


def random_state(rng, params, buffers):
    """Random values for a layer's parameters and buffers, keyed param/<name> and buffer/<name>.
    ``params`` and ``buffers`` map names to shapes. 1-D weights (batch-norm scales) centre on 1,
    running variances lie in [0.5, 2]."""
    arrays = {}
    for name, shape in params.items():
        centre = 1.0 if name.endswith("weight") and len(shape) == 1 else 0.0
        arrays[f"param/{name}"] = f32(centre + 0.5 * rng.standard_normal(shape))
    for name, shape in buffers.items():
        if name.endswith("running_var"):
            arrays[f"buffer/{name}"] = f32(rng.uniform(0.5, 2.0, shape))
        else:
            arrays[f"buffer/{name}"] = f32(0.5 * rng.standard_normal(shape))
    return arrays


def quarters(rng, shape):
    return rng.integers(-6, 7, shape) / 4.0


def layer_inputs(case, rng, layer_shapes):
    params, buffers, y_shape = layer_shapes(case.kind, case.config["args"], case.shape)
    arrays = random_state(rng, params, buffers)
    x = f32(case.scale * rng.standard_normal(case.shape))
    if case.special == "kink" and case.kind == "MinibatchDiscrimination":
        x = quarters(rng, case.shape)
        x[1], x[3] = x[0], x[2]                           # two pairs of equal samples: M_i = M_j exactly
        arrays["param/weight"] = quarters(rng, params["weight"])
    elif case.special == "kink":
        zeros = rng.permutation(x.size)[: x.size // 3]
        x.flat[zeros] = 0.0
        x.flat[zeros[0]] = -0.0                            # -0.0 > 0 is False too
    elif case.special == "constant":
        x[:, 0] = 0.75                                     # exact mean, exact zero variance
    arrays["x"] = x
    arrays["dy"] = f32(rng.standard_normal(y_shape))
    if case.kind == "Dropout" and case.config["training"]:
        p = case.config["args"]["p"]
        arrays["mask"] = (rng.random(case.shape) >= p) * (1.0 / (1.0 - p))
    return arrays


def logits(case, rng):
    if case.special == "tails":
        return f32(rng.permutation(TAIL_LOGITS)[:, None])
    return f32(2.0 * rng.standard_normal((8, 1)))


def inputs(case, seed, layer_shapes):
    """The input arrays of one case. ``layer_shapes(kind, args, x_shape) -> (params, buffers,
    y_shape)`` gives the names and shapes of a layer's arrays and its output's shape (minigan's
    layers answer it; see adapters.py)."""
    rng = case_rng(seed, case)
    if case.group == "layer":
        return layer_inputs(case, rng, layer_shapes)
    if case.group == "loss":
        arrays = {"fake_logits": logits(case, rng)}
        if case.config["side"] == "discriminator":
            arrays["real_logits"] = logits(case, rng)
        return arrays
    if case.group == "optimizer":
        shapes = {"weight": (3, 4), "bias": (4,)}
        arrays = {f"param/{k}": f32(rng.standard_normal(s)) for k, s in shapes.items()}
        for t in range(case.config["steps"]):
            arrays.update({f"grad/{t}/{k}": f32(case.scale * rng.standard_normal(s)) for k, s in shapes.items()})
        return arrays
    if case.group == "gan_step":
        arrays = {}
        for prefix in ("G", "D"):
            for i, (kind, args) in enumerate(case.config[prefix]):
                params, buffers, _ = layer_shapes(kind, args, None)
                state = random_state(rng, params, buffers)
                arrays.update({f"weights/{prefix}.{i}.{k.split('/', 1)[1]}": v for k, v in state.items()})
        n, z_dim = case.config["batch_size"], case.config["z_dim"]
        arrays["real"] = f32(np.tanh(rng.standard_normal([n] + case.config["data_shape"])))
        arrays["noise"] = f32(rng.standard_normal((n, z_dim)))
        return arrays
    raise ValueError(f"unknown case group {case.group!r}")

