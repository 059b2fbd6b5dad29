"""Each DCGAN layer's forward and backward, minigan's against PyTorch's, layer by layer.

bench_step.py times whole iterations; this script says which layers the difference is in.
Every layer of the DCGAN (minigan.models.dcgan, batch 128, float32) gets the input and the
output gradient it sees in a real training step (captured from one minigan iteration, in the
memory layout minigan.accel's fast twins hand it), then runs forward and backward: weight
gradients and the input gradient (except for G's first layer, whose input is the noise).
PyTorch's twin layer (benchmarks/torch_models.py) runs the same on the same numbers, as
``layer(x)`` and ``y.backward(dy)``. The two frameworks alternate in blocks (half the repeats
of one, then of the other, twice), so neither's idle threads slow the other; medians.

For the convolutions minigan's time is split into its matrix products alone (the same three
NumPy products on the same shapes and layouts: forward, weight gradient, input gradient)
and the rest (padding, im2col/col2im copies, the bias). PyTorch's convolutions use oneDNN's
direct kernels, with no im2col and no call into a separate matrix-multiply library; so

    minigan conv / torch conv  =  (products / torch conv)  x  (1 + rest / products)

separates the speed of the BLAS kernels from the cost of minigan's copies.

    python benchmarks/bench_layers.py --threads 2
    python benchmarks/bench_layers.py --threads 1 --repeats 20
"""
import argparse
import os
import statistics
import sys
import time

from blas_threads import use_threads  # benchmarks/: imports nothing heavy

# This checkout's minigan, whether or not minigan is installed.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--threads", type=int, default=2, help="threads for both (default 2)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--repeats", type=int, default=16, help="timed calls per layer and framework (default 16)")
    args = p.parse_args(argv)
    if args.threads < 1 or args.batch < 2 or args.repeats < 2:
        p.error("--threads must be >= 1, --batch and --repeats >= 2")
    return args


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    use_threads(ARGS.threads)
    import minigan.blas  # noqa: E402
    minigan.blas.configure()                       # before NumPy loads

import numpy as np  # noqa: E402

from minigan import accel, losses  # noqa: E402
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator  # noqa: E402
from minigan.nn import Conv2d, ConvTranspose2d  # noqa: E402
from torch_models import torch_dcgan  # noqa: E402  (benchmarks/, beside blas_threads)


def captured_step(batch):
    """One minigan DCGAN iteration's D step on the fake batch and G step, recording each layer's
    last forward input and backward output gradient: {("G"|"D", index): (layer, x, dy)}."""
    G, D = accel.apply(dcgan_generator(rng=0), dcgan_discriminator(rng=1))
    seen = {}
    for tag, net in (("G", G), ("D", D)):
        for i, layer in enumerate(net.layers):
            seen[tag, i] = [layer, None, None]
            forward, backward = layer.forward, layer.backward

            def record_x(x, entry=seen[tag, i], f=forward):
                entry[1] = x
                return f(x)

            def record_dy(dy, entry=seen[tag, i], f=backward):
                entry[2] = dy
                return f(dy)
            layer.forward, layer.backward = record_x, record_dy
    rng = np.random.default_rng(0)
    z = rng.standard_normal((batch, 100)).astype(np.float32)
    loss = losses.NonSaturating()
    fake = G.forward(z)
    _, dfake = loss.fake_term(D.forward(fake))
    D.backward(dfake)
    _, dlogits = loss.generator_term(D.forward(fake))
    G.backward(D.backward(dlogits))
    for layer, _, _ in seen.values():                   # the plain methods again, for the timing
        del layer.forward, layer.backward
    return {key: tuple(entry) for key, entry in seen.items()}


def minigan_call(layer, x, dy, first):
    layer.requires_grad, layer.needs_input_grad = True, not first

    def call():
        layer.zero_grad()
        layer.forward(x)
        layer.backward(dy)
    return call


def torch_call(torch, module, x, dy, first):
    xt = torch.from_numpy(np.ascontiguousarray(x))
    if not first:
        xt.requires_grad_()
    dyt = torch.from_numpy(np.ascontiguousarray(dy))

    def call():
        module.zero_grad(set_to_none=True)
        xt.grad = None
        module(xt).backward(dyt)
    return call


def products_call(layer, x, dy):
    """The three NumPy products of a convolution's forward and backward, on fresh operands of
    the shapes and layouts the layer's fast twin multiplies (minigan/accel/conv.py)."""
    rng = np.random.default_rng(1)
    N, C, H, W = x.shape
    O, (kh, kw) = layer.out_channels, layer.kernel_size
    Ho, Wo = dy.shape[2:]
    if isinstance(layer, Conv2d):
        cols = rng.standard_normal((N * Ho * Wo, kh * kw * C)).astype(np.float32)
        Wm = rng.standard_normal((O, kh * kw * C)).astype(np.float32)
        dY = rng.standard_normal((N * Ho * Wo, O)).astype(np.float32)
        return lambda: (cols @ Wm.T, dY.T @ cols, dY @ Wm)
    X = rng.standard_normal((N * H * W, C)).astype(np.float32)
    Wm = rng.standard_normal((C, kh * kw * O)).astype(np.float32)
    dcols = rng.standard_normal((N * H * W, kh * kw * O)).astype(np.float32)
    return lambda: (X @ Wm, X.T @ dcols, dcols @ Wm.T)


def in_blocks(calls, repeats):
    """{name: median ms}: each call's repeats in two blocks, the calls taking turns."""
    times = {name: [] for name in calls}
    for _ in range(2):
        for name, fn in calls.items():
            fn()
            for _ in range(repeats // 2):
                t = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t)
    return {name: 1e3 * statistics.median(ts) for name, ts in times.items()}


def main():
    import torch
    torch.set_num_threads(ARGS.threads)
    tG, tD = torch_dcgan(torch)
    twins = {"G": tG, "D": tD}
    seen = captured_step(ARGS.batch)
    print(f"{'layer':<34} {'minigan ms':>10} {'products':>9} {'rest':>6} {'torch ms':>9} {'ratio':>6} "
          f"{'products/torch':>14}")
    totals = {"minigan": 0.0, "torch": 0.0, "products": 0.0, "conv minigan": 0.0, "conv torch": 0.0,
              "step minigan": 0.0, "step torch": 0.0}
    for (tag, i), (layer, x, dy) in seen.items():
        if x is None or dy is None:
            continue
        first = (tag, i) == ("G", 0)
        calls = {"minigan": minigan_call(layer, x, dy, first),
                 "torch": torch_call(torch, twins[tag][i], x, dy, first)}
        conv = isinstance(layer, (Conv2d, ConvTranspose2d))
        if conv:
            calls["products"] = products_call(layer, x, dy)
        t = in_blocks(calls, ARGS.repeats)
        totals["minigan"] += t["minigan"]
        totals["torch"] += t["torch"]
        uses = 3 if tag == "D" else 1                   # D runs on real, fake, and fake again in G's step
        totals["step minigan"] += uses * t["minigan"]
        totals["step torch"] += uses * t["torch"]
        name = f"{tag}{i} {layer!r}"[:34]
        if conv:
            totals["products"] += t["products"]
            totals["conv minigan"] += t["minigan"]
            totals["conv torch"] += t["torch"]
            print(f"{name:<34} {t['minigan']:>10.2f} {t['products']:>9.2f} {t['minigan'] - t['products']:>6.2f} "
                  f"{t['torch']:>9.2f} {t['minigan'] / t['torch']:>5.2f}x {t['products'] / t['torch']:>13.2f}x",
                  flush=True)
        else:
            print(f"{name:<34} {t['minigan']:>10.2f} {'':>9} {'':>6} {t['torch']:>9.2f} "
                  f"{t['minigan'] / t['torch']:>5.2f}x", flush=True)
    conv_m, conv_t, prod = totals["conv minigan"], totals["conv torch"], totals["products"]
    print(f"\nall layers once: minigan {totals['minigan']:.1f} ms, torch {totals['torch']:.1f} ms, "
          f"ratio {totals['minigan'] / totals['torch']:.2f}x")
    print(f"weighted as an iteration runs them (G once, D three times; each with both gradients, which "
          f"an iteration does not always need): minigan {totals['step minigan']:.1f} ms, torch "
          f"{totals['step torch']:.1f} ms, ratio {totals['step minigan'] / totals['step torch']:.2f}x")
    print(f"convolutions: minigan {conv_m:.1f} ms = products {prod:.1f} + rest {conv_m - prod:.1f}; "
          f"torch {conv_t:.1f} ms; ratio {conv_m / conv_t:.2f}x = products/torch {prod / conv_t:.2f}x "
          f"* (1 + rest/products) {conv_m / prod:.2f}")
    print(f"({ARGS.threads} threads, batch {ARGS.batch}, numpy {np.__version__}, torch {torch.__version__})")


if __name__ == "__main__":
    main()
