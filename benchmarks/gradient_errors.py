"""Worst gradient errors of every layer against central finite differences, over hypothesis-drawn
configurations (the same strategies the tests use), in float64.

    python benchmarks/gradient_errors.py --examples 200
    python benchmarks/gradient_errors.py --second-order --examples 200    # backward_backward

The second-order run checks each layer's backward_backward (ddy, dx_extra and the parameter
adjoints) against central differences of its own backward (gradcheck.check_double_backward).

Prints, per layer, the number of configurations checked, the worst element-wise relative error
|a - n| / max(|a|, |n|, 1e-8) and the worst norm-wise relative error ||a - n|| / max(||a||, ||n||)
over the input and every parameter, and whether every check passed at rtol 1e-5, atol 1e-8.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minigan import nn  # noqa: E402
from minigan.gradcheck import check_double_backward, check_layer  # noqa: E402
from tests import strategies as S  # noqa: E402


def bn_layer(cfg):
    C = cfg["shape"][1]
    layer = (nn.BatchNorm2d if len(cfg["shape"]) == 4 else nn.BatchNorm1d)(C, eps=cfg["eps"])
    rng = np.random.default_rng(cfg["seed"])
    layer.params["weight"] = rng.uniform(0.5, 2.0, C).astype(np.float32)
    layer.buffers["running_var"] = rng.uniform(0.5, 2.0, C).astype(np.float32)
    return layer.train(cfg["training"]), S.normal(cfg["seed"], cfg["shape"]) * 2 + 0.5


CASES = {
    "Dense": (S.dense_configs(), lambda c: (nn.Dense(c["in_features"], c["out_features"], c["bias"], rng=c["seed"]),
                                            S.normal(c["seed"], (c["batch"], c["in_features"])))),
    "Conv2d": (S.conv_configs(), lambda c: (
        nn.Conv2d(c["in_channels"], c["out_channels"], c["kernel_size"], c["stride"], c["padding"], c["bias"],
                  rng=c["seed"]), S.normal(c["seed"], (c["batch"], c["in_channels"], c["H"], c["W"])))),
    "ConvTranspose2d": (S.conv_transpose_configs(), lambda c: (
        nn.ConvTranspose2d(c["in_channels"], c["out_channels"], c["kernel_size"], c["stride"], c["padding"],
                           c["output_padding"], c["bias"], rng=c["seed"]),
        S.normal(c["seed"], (c["batch"], c["in_channels"], c["H"], c["W"])))),
    "BatchNorm1d/2d": (st.sampled_from([2, 3, 4]).flatmap(S.batchnorm_configs), bn_layer),
    "ReLU": (st.tuples(S.elementwise_shapes, S.seeds), lambda c: (nn.ReLU(), S.away_from_zero(c[1], c[0]))),
    "LeakyReLU": (st.tuples(S.elementwise_shapes, S.seeds, S.negative_slopes),
                  lambda c: (nn.LeakyReLU(c[2]), S.away_from_zero(c[1], c[0]))),
    "Tanh": (st.tuples(S.elementwise_shapes, S.seeds), lambda c: (nn.Tanh(), S.normal(c[1], c[0]))),
    "Sigmoid": (st.tuples(S.elementwise_shapes, S.seeds), lambda c: (nn.Sigmoid(), S.normal(c[1], c[0], 3.0))),
    "Dropout": (st.tuples(S.elementwise_shapes, S.seeds),
                lambda c: (nn.Dropout(0.3, rng=c[1]), S.normal(c[1], c[0]))),
    "Flatten": (st.tuples(st.tuples(*[st.integers(1, 3)] * 4), S.seeds),
                lambda c: (nn.Flatten(), S.normal(c[1], c[0]))),
    "MinibatchDiscrimination": (S.minibatch_configs(), lambda c: (
        nn.MinibatchDiscrimination(c["in_features"], c["num_kernels"], c["kernel_dim"], rng=c["seed"]),
        S.normal(c["seed"], (c["batch"], c["in_features"])))),
}


def layernorm_layer(cfg):
    layer = nn.LayerNorm(cfg["normalized_shape"], eps=cfg["eps"], elementwise_affine=cfg["affine"])
    rng = np.random.default_rng(cfg["seed"])
    for name, p in list(layer.params.items()):       # away from ones and zeros, so neither hides a bug
        layer.params[name] = (rng.standard_normal(p.shape) * 0.5 + (name == "weight")).astype(p.dtype)
    return layer, S.normal(cfg["seed"], cfg["shape"])


SECOND_ORDER = {
    **{name: CASES[name] for name in ("Dense", "Conv2d", "ReLU", "LeakyReLU", "Tanh")},
    "LayerNorm": (S.layernorm_configs(), layernorm_layer),
    "Flatten": (st.tuples(st.tuples(*[st.integers(1, 3)] * 4), S.seeds),
                lambda c: (nn.Flatten(), S.normal(c[1], c[0]))),
    "Pack": (st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 4), S.seeds),
             lambda c: (nn.Pack(c[0]), S.normal(c[3], (c[0] * c[1], c[2])))),
}


def measure(name, examples, cases=CASES, check=check_layer):
    strategy, build = cases[name]
    worst = {"n": 0, "rel": 0.0, "norm": 0.0, "ok": True}

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(cfg):
        layer, x = build(cfg)
        report = check(layer, x, seed=0)
        worst["n"] += 1
        worst["rel"] = max(worst["rel"], report.max_rel_error)
        worst["norm"] = max(worst["norm"], report.norm_rel_error)
        worst["ok"] &= report.ok

    run()
    return worst


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="configurations per layer (default 200)")
    parser.add_argument("--second-order", action="store_true", help="check backward_backward instead")
    args = parser.parse_args(argv)
    cases, check = (SECOND_ORDER, check_double_backward) if args.second_order else (CASES, check_layer)
    print(f"{'layer':<24} {'configs':>7} {'worst elem rel':>15} {'worst norm rel':>15}  all passed")
    for name in cases:
        w = measure(name, args.examples, cases, check)
        print(f"{name:<24} {w['n']:>7} {w['rel']:>15.2e} {w['norm']:>15.2e}  {w['ok']}", flush=True)


if __name__ == "__main__":
    main()
