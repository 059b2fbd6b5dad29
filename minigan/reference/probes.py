"""A case recomputed under a common wrong convention, for hints.py to compare with.

``probes(case, inputs)`` returns (description, {output name: array}) pairs, written from the
formulas in float64 NumPy. The check reports the first description whose arrays match every
failing output they cover, e.g. "step/0/weight ... match Adam with eps inside the square root".
"""
import math

import numpy as np


def softplus(x):
    return np.logaddexp(0, x)


def sigmoid(x):
    return np.exp(-softplus(-x))


def optimizer_run(case, inputs, update):
    """Run ``update(name, p, g, t, state) -> new p`` over the case's steps; name -> array per step."""
    params = {k[len("param/"):]: v.copy() for k, v in inputs.items() if k.startswith("param/")}
    state, out = {k: {} for k in params}, {}
    for t in range(1, case.config["steps"] + 1):
        for name, p in params.items():
            params[name] = update(name, p, inputs[f"grad/{t - 1}/{name}"], t, state[name])
            out[f"step/{t - 1}/{name}"] = params[name]
    return out


def adam(case, inputs, eps_inside=False, eps_before_correction=False, bias_correction=True, decay="l2"):
    h = case.config["hyper"]
    lr, (b1, b2), eps, wd = h["lr"], h["betas"], h["eps"], h["weight_decay"]

    def update(name, p, g, t, s):
        g = g + wd * p if decay == "l2" else g
        s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
        c1, c2 = (1 - b1 ** t, 1 - b2 ** t) if bias_correction else (1.0, 1.0)
        if eps_inside:
            step = (s["m"] / c1) / np.sqrt(s["v"] / c2 + eps)
        elif eps_before_correction:
            step = (s["m"] / c1) / ((np.sqrt(s["v"]) + eps) / math.sqrt(c2))
        else:
            step = (s["m"] / c1) / (np.sqrt(s["v"] / c2) + eps)
        return p - lr * step - (lr * wd * p if decay == "decoupled" else 0)
    return optimizer_run(case, inputs, update)


def sgd(case, inputs, damp_first=False, decay=True):
    h = case.config["hyper"]

    def update(name, p, g, t, s):
        g = g + h["weight_decay"] * p if decay else g
        if h["momentum"]:
            first = "v" not in s
            s["v"] = g if first and not damp_first else h["momentum"] * s.get("v", 0) + (1 - h["dampening"]) * g
            g = g + h["momentum"] * s["v"] if h["nesterov"] else s["v"]
        return p - h["lr"] * g
    return optimizer_run(case, inputs, update)


def rmsprop(case, inputs, eps_inside=False, decay=True):
    h = case.config["hyper"]

    def update(name, p, g, t, s):
        g = g + h["weight_decay"] * p if decay else g
        s["v"] = h["alpha"] * s.get("v", 0) + (1 - h["alpha"]) * g * g
        step = g / (np.sqrt(s["v"] + h["eps"]) if eps_inside else np.sqrt(s["v"]) + h["eps"])
        if h["momentum"]:
            s["b"] = h["momentum"] * s.get("b", 0) + step
            step = s["b"]
        return p - h["lr"] * step
    return optimizer_run(case, inputs, update)


def optimizer_probes(case, inputs):
    h, name = case.config["hyper"], case.config["name"]
    found = []
    if name == "adam":
        found += [("Adam with eps inside the square root, sqrt(v_hat + eps)", adam(case, inputs, eps_inside=True)),
                  ("Adam with eps added before the bias correction, (sqrt(v) + eps) / sqrt(1 - b2^t)",
                   adam(case, inputs, eps_before_correction=True)),
                  ("Adam without the bias correction (1 - b^t)", adam(case, inputs, bias_correction=False))]
        if h["weight_decay"]:
            found += [("AdamW's decoupled weight decay (p -= lr wd p) where Adam's L2 (g += wd p) is meant",
                       adam(case, inputs, decay="decoupled")),
                      ("Adam without weight decay", adam(case, inputs, decay="none"))]
    if name == "sgd":
        if h["momentum"] and h["dampening"]:
            found.append(("SGD with dampening on the first step too", sgd(case, inputs, damp_first=True)))
        if h["weight_decay"]:
            found.append(("SGD without weight decay", sgd(case, inputs, decay=False)))
    if name == "rmsprop":
        found.append(("RMSprop with eps inside the square root", rmsprop(case, inputs, eps_inside=True)))
        if h["weight_decay"]:
            found.append(("RMSprop without weight decay", rmsprop(case, inputs, decay=False)))
    return found


def batch_norm_probes(case, inputs):
    x, dy = inputs["x"], inputs["dy"]
    args, training = case.config["args"], case.config["training"]
    eps, momentum = args["eps"], args["momentum"]
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    gamma, beta = inputs["param/weight"].reshape(shape), inputs["param/bias"].reshape(shape)
    rm, rv = inputs["buffer/running_mean"], inputs["buffer/running_var"]
    m = x.size // x.shape[1]
    mean, var = x.mean(axis=axes), x.var(axis=axes)

    def y_with(mu, variance):
        return gamma * (x - mu.reshape(shape)) / np.sqrt(variance.reshape(shape) + eps) + beta

    def running(mu, variance, mom):
        return {"buffer/running_mean": (1 - mom) * rm + mom * mu, "buffer/running_var": (1 - mom) * rv + mom * variance}
    if not training:
        return [("batch statistics in eval mode, where the running statistics belong",
                 {"y": y_with(mean, var), "dx": gamma * dy / np.sqrt(var.reshape(shape) + eps)}),
                ("running statistics updated in eval mode", running(mean, var * m / max(m - 1, 1), momentum))]
    unbiased = var * m / max(m - 1, 1)
    inv_std = 1 / np.sqrt(var.reshape(shape) + eps)
    found = [("a biased running variance (without the factor m / (m - 1))",
              {"buffer/running_var": running(mean, var, momentum)["buffer/running_var"]}),
             ("momentum weighting the old running value, r <- momentum r + (1 - momentum) s",
              running(mean, unbiased, 1 - momentum)),
             ("normalisation by the unbiased variance, where the biased one belongs", {"y": y_with(mean, unbiased)}),
             ("batch-norm backward without the mean terms (the batch statistics taken as constants)",
              {"dx": gamma * inv_std * dy}),
             ("batch-norm backward without the xhat * mean(dy xhat) term",
              {"dx": gamma * inv_std * (dy - dy.mean(axis=axes, keepdims=True))})]
    n = x.shape[0]
    if n > 1 and n != m:
        found.append(("the running variance corrected by N / (N - 1), the batch size, instead of m / (m - 1)",
                      {"buffer/running_var": running(mean, var * n / (n - 1), momentum)["buffer/running_var"]}))
    return found


def loss_probes(case, inputs):
    if case.config["side"] != "generator" or case.config["name"] not in ("minimax", "non-saturating"):
        return []
    fake = inputs["fake_logits"]
    n = fake.size
    if case.config["name"] == "non-saturating":
        return [("the minimax generator loss log(1 - D(G(z))), where the non-saturating -log D(G(z)) is meant",
                 {"value": np.array(-softplus(fake).sum() / n), "dfake": -sigmoid(fake) / n})]
    return [("the non-saturating generator loss -log D(G(z)), where the minimax log(1 - D(G(z))) is meant",
             {"value": np.array(softplus(-fake).sum() / n), "dfake": (sigmoid(fake) - 1) / n})]


def probes(case, inputs):
    if case.group == "optimizer":
        return optimizer_probes(case, inputs)
    if case.group == "layer" and case.kind.startswith("BatchNorm") and "param/weight" in inputs:
        return batch_norm_probes(case, inputs)
    if case.group == "loss":
        return loss_probes(case, inputs)
    return []
