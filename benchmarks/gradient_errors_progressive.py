"""Worst gradient errors of the progressive-growing layers against central finite differences,
over the hypothesis strategies their tests use (float64), printed like gradient_errors.py.

    python benchmarks/gradient_errors_progressive.py --examples 200
"""
import argparse
import sys
from pathlib import Path

from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.gradient_errors import CASES, measure  # noqa: E402
from minigan import nn  # noqa: E402
from tests import strategies as S  # noqa: E402
from tests.nn.test_fade import growing_discriminator_tail, growing_generator_head  # noqa: E402



PROGRESSIVE = {
    "Upsample2d": (S.upsample_configs(), lambda c: (nn.Upsample2d(c["scale"]), S.normal(c["seed"], c["shape"]))),
    "AvgPool2d": (S.avgpool_configs(), lambda c: (nn.AvgPool2d(c["kernel_size"], c["stride"]),
                                                  S.normal(c["seed"], c["shape"]))),
    # Two cases where dx is ~0 and relative errors mean nothing are left out: one channel
    # (y = x / sqrt(x^2 + eps) = sign(x) up to eps, dx ~ eps / |x|^3), and x = normal(seed 0),
    # the very dy the check draws (dx = r (x - y mean(x y)) = 0), hence the shift.
    "PixelNorm": (st.tuples(S.elementwise_shapes.filter(lambda s: s[1] >= 2), S.seeds),
                  lambda c: (nn.PixelNorm(), S.normal(c[1], c[0]) * 1.5 + 0.3)),
    "MinibatchStdDev": (S.minibatch_std_configs(), lambda c: (nn.MinibatchStdDev(c["group_size"]),
                                                              S.normal(c["seed"], c["shape"]))),
    "FadeIn (G head)": (S.fade_configs(), lambda c: (growing_generator_head(c), S.normal(
        c["seed"], (c["batch"], c["channels"], c["size"], c["size"])))),
    "FadeIn (D tail)": (S.fade_configs(), lambda c: (growing_discriminator_tail(c), S.normal(
        c["seed"], (c["batch"], 1, 2 * c["size"], 2 * c["size"])))),
    "Scale": (st.tuples(S.elementwise_shapes, S.seeds), lambda c: (nn.Scale(0.7), S.normal(c[1], c[0]))),
    "Dense equalized_lr": (S.dense_configs(), lambda c: (
        nn.Dense(c["in_features"], c["out_features"], c["bias"], rng=c["seed"], equalized_lr=True),
        S.normal(c["seed"], (c["batch"], c["in_features"])))),
    "Conv2d equalized_lr": (S.conv_configs(), lambda c: (
        nn.Conv2d(c["in_channels"], c["out_channels"], c["kernel_size"], c["stride"], c["padding"], c["bias"],
                  rng=c["seed"], equalized_lr=True),
        S.normal(c["seed"], (c["batch"], c["in_channels"], c["H"], c["W"])))),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="configurations per layer (default 200)")
    args = parser.parse_args(argv)
    CASES.update(PROGRESSIVE)
    print(f"{'layer':<24} {'configs':>7} {'worst elem rel':>15} {'worst norm rel':>15}  all passed")
    for name in PROGRESSIVE:
        w = measure(name, args.examples)
        print(f"{name:<24} {w['n']:>7} {w['rel']:>15.2e} {w['norm']:>15.2e}  {w['ok']}", flush=True)


if __name__ == "__main__":
    main()
