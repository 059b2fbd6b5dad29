"""The matrix products of one training iteration, NumPy's BLAS against PyTorch's, shape by shape.

A from-scratch layer can do no better than the matrix-multiply library under it. This script
takes every product one iteration of the dense GAN (or the DCGAN's dense and im2col products)
computes, times it with NumPy (the BLAS minigan uses) and with torch.matmul on the same
shapes and layouts, interleaved, in one process, and weighs each by how often an iteration
needs it:

    G (first layer excepted): forward, dx, dW once each; G's first layer: forward, dW
    D: forward 3 times (real, fake, fake again in the G step); dW twice (D step);
       dx twice inside D (real, fake) plus once for every layer in the G step

Forward y = x W^T is (N, in) @ (in, out); dx = dy W is (N, out) @ (out, in); dW = dy^T x is
(out, N) @ (N, in), with the transposes as views, as Dense and Conv2d write them (a layer with
one output forms dx = dy * W by broadcasting instead, as minigan's Dense does). The transposed
convolutions are counted with the same shapes and FLOPs, but minigan's own layout for them
differs (conv_transpose.py multiplies by a contiguous (C, O*k*k) matrix and its transpose view). If NumPy's sum is
well above PyTorch's, the gap of a whole iteration is the BLAS's, not the layers' code.

    python benchmarks/bench_gemm.py --model mlp --threads 2
    python benchmarks/bench_gemm.py --model dcgan --threads 1
"""
import argparse
import statistics
import time

from blas_threads import use_threads  # benchmarks/: imports nothing heavy


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--model", choices=["mlp", "dcgan"], default="mlp")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=30, help="timed calls per product and framework")
    args = p.parse_args(argv)
    if args.repeats < 1 or args.batch < 1 or args.threads < 1:
        p.error("--repeats, --batch and --threads must be positive")
    return args


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    use_threads(ARGS.threads)

import numpy as np  # noqa: E402


def mlp_products(n):
    """Products of the dense GAN (minigan.models.mlp): G 100-256-512-1024-784, D 784-512-256-1."""
    g = [(100, 256), (256, 512), (512, 1024), (1024, 784)]
    d = [(784, 512), (512, 256), (256, 1)]
    return layer_products("G", g, n, forward=1, dW=1, dx_inner=1, dx_first=0) + \
        layer_products("D", d, n, forward=3, dW=2, dx_inner=3, dx_first=1)


def dcgan_products(n):
    """The DCGAN's products as im2col matrices: a conv with C*k*k inputs per output pixel is a
    dense layer over N*Ho*Wo rows (minigan.nn.conv, conv_transpose); rows = batch x pixels."""
    out = []
    # G: Dense(100, 6272); ConvT(128, 64) as (N*7*7, 128) @ (128, 64*16); ConvT(64, 1) as (N*14*14, 64) @ (64, 16)
    out += layer_products("G", [(100, 6272)], n, forward=1, dW=1, dx_first=0)
    out += layer_products("G", [(128, 64 * 16)], n * 49, forward=1, dW=1, dx_first=1)
    out += layer_products("G", [(64, 16)], n * 196, forward=1, dW=1, dx_first=1)
    # D: Conv(1, 64) as (N*14*14, 16) @ (16, 64); Conv(64, 128) as (N*7*7, 1024) @ (1024, 128); Dense(6272, 1)
    out += layer_products("D", [(16, 64)], n * 196, forward=3, dW=2, dx_first=1)
    out += layer_products("D", [(1024, 128)], n * 49, forward=3, dW=2, dx_first=3)
    out += layer_products("D", [(6272, 1)], n, forward=3, dW=2, dx_first=3)
    return out


def layer_products(net, sizes, rows, forward, dW, dx_first, dx_inner=0):
    """Per layer (in, out) over ``rows``: (label, A shape, B shape, A transposed, B transposed, count);
    dx_first / dx_inner: how often the first / the other layers' input gradient is needed."""
    out = []
    for i, (fan_in, fan_out) in enumerate(sizes):
        label = f"{net} {fan_in}->{fan_out}"
        out.append((label + " fwd", (rows, fan_in), (fan_out, fan_in), False, True, forward))
        out.append((label + " dW", (rows, fan_out), (rows, fan_in), True, False, dW))
        dx = dx_first if i == 0 else dx_inner
        if dx:
            out.append((label + " dx", (rows, fan_out), (fan_out, fan_in), False, False, dx))
    return out


def operands(shape_a, shape_b, ta, tb, rng):
    a = rng.standard_normal(shape_a).astype(np.float32)
    b = rng.standard_normal(shape_b).astype(np.float32)
    return (a.T if ta else a), (b.T if tb else b)


def median_ms(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def main():
    import torch
    torch.set_num_threads(ARGS.threads)
    rng = np.random.default_rng(0)
    products = mlp_products(ARGS.batch) if ARGS.model == "mlp" else dcgan_products(ARGS.batch)
    print(f"{'product':<24} {'A':>14} {'B':>14} {'x/iter':>6} {'numpy ms':>9} {'torch ms':>9} {'ratio':>6}")
    total_np = total_torch = 0.0
    for label, sa, sb, ta, tb, count in products:
        a, b = operands(sa, sb, ta, tb, rng)
        torch_a, torch_b = torch.from_numpy(a), torch.from_numpy(b)          # the same memory, the same strides
        # minigan's Dense with one output forms dx = dy * W by broadcasting, not as a product (dense.py)
        numpy_op = (lambda: a * b) if label.endswith("dx") and a.shape[1] == 1 else (lambda: a @ b)
        np_ms = min(median_ms(numpy_op, ARGS.repeats) for _ in range(2))
        torch_ms = min(median_ms(lambda: torch_a @ torch_b, ARGS.repeats) for _ in range(2))
        total_np += count * np_ms
        total_torch += count * torch_ms
        print(f"{label:<24} {str(a.shape):>14} {str(b.shape):>14} {count:>6} {np_ms:>9.3f} {torch_ms:>9.3f} "
              f"{np_ms / torch_ms:>5.2f}x", flush=True)
    print(f"\none iteration's products: numpy {total_np:.1f} ms, torch {total_torch:.1f} ms, "
          f"ratio {total_np / total_torch:.2f}x  ({ARGS.model}, batch {ARGS.batch}, {ARGS.threads} threads, "
          f"numpy {np.__version__}, torch {torch.__version__})")


if __name__ == "__main__":
    main()
