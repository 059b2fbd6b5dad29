"""Time one GAN training iteration in minigan and in PyTorch, side by side.

One iteration is what ``minigan.gan.trainer.GANTrainer.train_step`` does by default (batch 128,
float32), which is the step of PyTorch's DCGAN example:
  D step: fake = G(z) (G forward), D forward/backward on a real batch, then on the fake batch
          (D's input gradient is not needed), Adam step on D.
  G step: the same fake through the updated, frozen D (no weight gradients for D), backward
          into G through G's forward of the D step, Adam step on G.
PyTorch runs the same networks and the same step as its DCGAN example writes it:
``D(fake.detach())``, ``loss_D.backward()``, then ``loss_G.backward()`` through D(fake), whose
weights still collect gradients (``--torch-freeze-d`` turns them off, as minigan does).

Both are timed in the same process, interleaved (minigan, torch, minigan, torch, ...) after
warm-up, so load from other processes hits both alike; the medians and the ratio
minigan / PyTorch are printed last. Also printed: the matrix-multiply FLOPs of one iteration
(counted per layer, forward and backward, for what each framework computes), the GFLOP/s
achieved, the machine's float32 matmul throughput (a large NumPy sgemm measured at start),
and the peak memory of a fresh process running only that framework's iterations.

minigan runs with minigan.accel's fast twins of its layers and Adam (as the demos do);
``--readable`` adds a column for the textbook layers of minigan.nn, timed in the same loop.

    python benchmarks/bench_step.py --model all --threads 2
"""
import argparse
import os
import subprocess
import sys
import time

from blas_threads import use_threads  # benchmarks/: imports nothing heavy

# This checkout's minigan, whether or not minigan is installed.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--model", choices=["dcgan", "mlp", "all"], default="all")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--repeats", type=int, default=20, help="timed iterations per framework")
    p.add_argument("--warmup", type=int, default=3, help="untimed iterations per framework first")
    p.add_argument("--threads", type=int, default=2, help="BLAS / intra-op threads for both")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="wall: perf_counter; cpu: process CPU time, steadier on a shared machine "
                        "(with --threads 1 it is the work done, whatever else runs)")
    p.add_argument("--torch-freeze-d", action="store_true",
                   help="PyTorch's G step skips D's weight gradients too (minigan always does)")
    p.add_argument("--schedule", choices=["interleaved", "blocks"], default="interleaved",
                   help="interleaved: minigan, torch, minigan, ...; blocks: half of --repeats of one, then of the "
                        "other, twice (a framework's idle threads spinning after its step slow the other "
                        "one's next step when interleaved)")
    p.add_argument("--blas-timeout", type=int, default=None, metavar="N",
                   help="OPENBLAS_THREAD_TIMEOUT: OpenBLAS's idle threads spin 2^N cycles after a product "
                        "before they sleep (4-30; OpenBLAS's default 28, ~0.1 s; default: minigan's, "
                        "see minigan/blas.py)")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    p.add_argument("--only", choices=["minigan", "torch"], default=None,
                   help="time one framework alone in the process (no ratio)")
    p.add_argument("--readable", action="store_true",
                   help="also time minigan's readable layers (minigan.nn without minigan.accel), in the same loop")
    p.add_argument("--memory-probe", nargs=2, metavar=("FRAMEWORK", "MODEL"), help=argparse.SUPPRESS)
    return p.parse_args(argv)


ARGS = parse_args()
# BLAS reads its thread count (and OpenBLAS its spin time) when NumPy is imported, so set them first.
use_threads(ARGS.threads)
if ARGS.blas_timeout is not None:
    os.environ["OPENBLAS_THREAD_TIMEOUT"] = str(ARGS.blas_timeout)
else:
    import minigan.blas  # noqa: E402
    minigan.blas.configure()

import numpy as np  # noqa: E402

from minigan import accel, losses, nn, optim  # noqa: E402
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator  # noqa: E402
from minigan.models.mlp import mlp_discriminator, mlp_generator  # noqa: E402
from torch_models import torch_dcgan, torch_mlp  # noqa: E402  (benchmarks/)

ADAM = dict(lr=2e-4, betas=(0.5, 0.999))
Z_DIM = 100


# --- FLOPs ------------------------------------------------------------------------------------

def layer_flops(model, batch, x_shape):
    """[(kind, flops of one matmul)] per weighted layer in order: a forward, a weight gradient
    and an input gradient each cost 2 * (multiply-adds) of the same size."""
    out, shape = [], (batch,) + tuple(x_shape)
    for layer in model.layers:
        if isinstance(layer, nn.Dense):
            out.append(2 * batch * layer.in_features * layer.out_features)
            shape = (batch, layer.out_features)
        elif isinstance(layer, nn.Conv2d):
            (kh, kw), (sh, sw), (ph, pw) = layer.kernel_size, layer.stride, layer.padding
            Ho, Wo = (shape[2] + 2 * ph - kh) // sh + 1, (shape[3] + 2 * pw - kw) // sw + 1
            out.append(2 * batch * Ho * Wo * layer.out_channels * layer.in_channels * kh * kw)
            shape = (batch, layer.out_channels, Ho, Wo)
        elif isinstance(layer, nn.ConvTranspose2d):
            (kh, kw), (sh, sw), (ph, pw) = layer.kernel_size, layer.stride, layer.padding
            out.append(2 * batch * shape[2] * shape[3] * layer.in_channels * layer.out_channels * kh * kw)
            shape = (batch, layer.out_channels, (shape[2] - 1) * sh - 2 * ph + kh, (shape[3] - 1) * sw - 2 * pw + kw)
        elif isinstance(layer, nn.Reshape):
            shape = (batch,) + layer.shape
        elif isinstance(layer, nn.Flatten):
            shape = (batch, int(np.prod(shape[1:])))
    return out


def step_flops(G, D, batch, freeze_d_in_g_step=True):
    """Matmul FLOPs of one iteration. First layers compute no input gradient (nobody needs dz,
    and D's input is data or a detached fake in the D step)."""
    g, d = layer_flops(G, batch, (Z_DIM,)), layer_flops(D, batch, (1, 28, 28))
    fwd_g, fwd_d = sum(g), sum(d)
    dx_g, dx_d = sum(g[1:]), sum(d[1:])
    d_step = fwd_g + 2 * (fwd_d + fwd_d + dx_d)                # G fwd; D fwd + dW + dx, real and fake
    g_step = fwd_d + sum(d) + fwd_g + dx_g                      # D fwd, D dx (all layers), G dW + dx
    if not freeze_d_in_g_step:
        g_step += fwd_d                                         # D's weight gradients as well
    return d_step + g_step


def sgemm_gflops(n=2048, repeats=5):
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    b = a.copy()
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


# --- minigan ----------------------------------------------------------------------------------

def build_minigan(model, device, fast=True):
    """G, D and their Adams; ``fast``: switched to minigan.accel's twins."""
    G, D = {"dcgan": (dcgan_generator, dcgan_discriminator), "mlp": (mlp_generator, mlp_discriminator)}[model]
    G, D = G(rng=0).to(device), D(rng=1).to(device)
    G.needs_input_grad = False
    built = G, D, optim.Adam(G, **ADAM), optim.Adam(D, **ADAM)
    if fast:
        accel.apply(*built)
    return built


def minigan_step(G, D, opt_G, opt_D, loss, real, z):
    """GANTrainer.train_step without its data sampling and logging."""
    fake = G.forward(z)
    D.zero_grad()
    D.needs_input_grad = False
    _, dreal = loss.real_term(D.forward(real))
    D.backward(dreal)
    _, dfake = loss.fake_term(D.forward(fake))
    D.backward(dfake)
    D.needs_input_grad = True
    opt_D.step()

    G.zero_grad()
    D.requires_grad_(False)
    _, dlogits = loss.generator_term(D.forward(fake))           # G's caches are still those of G(z)
    G.backward(D.backward(dlogits))
    D.requires_grad_(True)
    opt_G.step()


# --- PyTorch ----------------------------------------------------------------------------------

def build_torch(model, device, threads):
    import torch
    torch.set_num_threads(threads)
    G, D = torch_dcgan(torch) if model == "dcgan" else torch_mlp(torch)
    G, D = G.to(device), D.to(device)
    return G, D, torch.optim.Adam(G.parameters(), **ADAM), torch.optim.Adam(D.parameters(), **ADAM)


def torch_step(G, D, opt_G, opt_D, real, z, freeze_d=False):
    import torch
    import torch.nn.functional as F
    fake = G(z)
    opt_D.zero_grad()
    real_logits, fake_logits = D(real), D(fake.detach())
    loss_D = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
              + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    loss_D.backward()
    opt_D.step()

    opt_G.zero_grad()
    if freeze_d:
        D.requires_grad_(False)
    logits = D(fake)
    loss_G = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    loss_G.backward()
    if freeze_d:
        D.requires_grad_(True)
    opt_G.step()


# --- running ----------------------------------------------------------------------------------

def make_steps(model, device, batch, threads, freeze_d):
    """{'minigan': step(), 'torch': step()} on fixed inputs (data loading is not timed)."""
    rng = np.random.default_rng(0)
    real = np.tanh(rng.standard_normal((batch, 1, 28, 28))).astype(np.float32)
    z = rng.standard_normal((batch, Z_DIM)).astype(np.float32)
    steps, sync = {}, {}
    wanted = ARGS.memory_probe[0] if ARGS.memory_probe else ARGS.only
    if wanted in (None, "minigan"):
        from minigan.backend import to_device
        G, D, opt_G, opt_D = build_minigan(model, device)
        loss = losses.NonSaturating()
        m_real, m_z = (to_device(a, device) for a in (real, z))
        steps["minigan"] = lambda: minigan_step(G, D, opt_G, opt_D, loss, m_real, m_z)
        steps["minigan"].models = (G, D)
        if ARGS.readable and not ARGS.memory_probe:
            readable = build_minigan(model, device, fast=False)
            steps["minigan readable"] = lambda: minigan_step(*readable, loss, m_real, m_z)
        if device == "cuda":
            import cupy
            sync["minigan"] = sync["minigan readable"] = cupy.cuda.Device().synchronize
    if wanted in (None, "torch"):
        import torch
        Gt, Dt, opt_Gt, opt_Dt = build_torch(model, device, threads)
        t_real, t_z = (torch.from_numpy(a).to(device) for a in (real, z))
        steps["torch"] = lambda: torch_step(Gt, Dt, opt_Gt, opt_Dt, t_real, t_z, freeze_d)
        if device == "cuda":
            sync["torch"] = torch.cuda.synchronize
    return steps, sync


def time_interleaved(steps, sync, warmup, repeats, schedule="interleaved"):
    """Medians (s) and all times per framework; ``schedule`` as --schedule."""
    clock = time.process_time if ARGS.clock == "cpu" else time.perf_counter
    for _ in range(warmup):
        for name, step in steps.items():
            step()
            sync.get(name, lambda: None)()
    times = {name: [] for name in steps}
    if schedule == "interleaved":
        order = [name for _ in range(repeats) for name in steps]
    else:
        half = max((repeats + 1) // 2, 1)
        order = [name for _ in range(2) for name in steps for _ in range(half)]
    for name in order:
        t = clock()
        steps[name]()
        sync.get(name, lambda: None)()
        times[name].append(clock() - t)
    return {name: float(np.median(ts)) for name, ts in times.items()}, times


def memory_probe(framework, model):
    """Run in a fresh process: peak RSS growth over the iterations, plus (minigan) tracemalloc's
    peak of NumPy allocations during one iteration. Prints 'rss_mb traced_mb'."""
    import tracemalloc
    steps, sync = make_steps(model, ARGS.device, ARGS.batch, ARGS.threads, ARGS.torch_freeze_d)
    step = steps[framework]
    before = peak_rss_kb()
    for _ in range(3):
        step()
    rss_mb = (peak_rss_kb() - before) / 1024
    traced = float("nan")
    if framework == "minigan":
        tracemalloc.start()
        step()
        traced = tracemalloc.get_traced_memory()[1] / 2 ** 20
        tracemalloc.stop()
    print(f"{rss_mb:.1f} {traced:.1f}")


def peak_rss_kb():
    """This process's peak resident set (VmHWM). Not getrusage's ru_maxrss: on Linux that
    survives exec, so a child started by a big parent would begin at the parent's peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure_memory(model):
    out = {}
    for framework in ("minigan", "torch"):
        cmd = [sys.executable, os.path.abspath(__file__), "--memory-probe", framework, model,
               "--device", ARGS.device, "--batch", str(ARGS.batch), "--threads", str(ARGS.threads)]
        if ARGS.torch_freeze_d:
            cmd.append("--torch-freeze-d")
        res = subprocess.run(cmd, capture_output=True, text=True)
        out[framework] = tuple(map(float, res.stdout.split())) if res.returncode == 0 else (float("nan"),) * 2
    return out


def main():
    if ARGS.memory_probe:
        memory_probe(*ARGS.memory_probe)
        return
    peak = sgemm_gflops()
    print(f"device {ARGS.device}, threads {ARGS.threads}, batch {ARGS.batch}, clock {ARGS.clock}, "
          f"schedule {ARGS.schedule}, OPENBLAS_THREAD_TIMEOUT {os.environ.get('OPENBLAS_THREAD_TIMEOUT')}, "
          f"numpy {np.__version__}, float32 sgemm 2048^3: {peak:.1f} GFLOP/s")
    if ARGS.device == "cuda":
        from minigan.accel import fused
        print(f"fused CUDA kernels {'on' if fused.ENABLED else 'off'} (MINIGAN_CUDA_FUSED=1 turns them on)")
    models = ["dcgan", "mlp"] if ARGS.model == "all" else [ARGS.model]
    rows = []
    for model in models:
        steps, sync = make_steps(model, ARGS.device, ARGS.batch, ARGS.threads, ARGS.torch_freeze_d)
        G, D = steps["minigan"].models if "minigan" in steps else build_minigan(model, "cpu")[:2]
        flops = {"minigan": step_flops(G, D, ARGS.batch),
                 "torch": step_flops(G, D, ARGS.batch, freeze_d_in_g_step=ARGS.torch_freeze_d)}
        medians, _ = time_interleaved(steps, sync, ARGS.warmup, ARGS.repeats, ARGS.schedule)
        memory = {} if ARGS.no_memory or ARGS.only else measure_memory(model)
        for name in steps:
            rss, traced = memory.get(name, (float("nan"),) * 2)
            ms, work = medians[name] * 1e3, flops[name.split()[0]]
            rows.append((model, name, ms, work / 1e9, work / medians[name] / 1e9, work / peak / 1e6, rss, traced))
        if not ARGS.only:
            rows.append((model, "ratio", "minigan/torch", medians["minigan"] / medians["torch"]))
            if "minigan readable" in medians:
                rows.append((model, "ratio", "minigan readable/torch", medians["minigan readable"] / medians["torch"]))
                rows.append((model, "ratio", "minigan readable/minigan",
                             medians["minigan readable"] / medians["minigan"]))
    print(f"{'model':6} {'framework':16} {'ms/iter':>8} {'GFLOP':>6} {'GFLOP/s':>8} {'matmul-bound ms':>15} "
          f"{'peak RSS +MB':>12} {'numpy peak MB':>13}")
    for row in rows:
        if row[1] == "ratio":
            continue
        model, name, ms, gflop, rate, bound, rss, traced = row
        print(f"{model:6} {name:16} {ms:8.2f} {gflop:6.2f} {rate:8.1f} {bound:15.1f} {rss:12.1f} {traced:13.1f}")
    print("peak RSS +MB: growth of a fresh process's max RSS over 3 iterations (for torch, all its "
          "allocations; first-touch only, so reused buffers count once); numpy peak MB: tracemalloc "
          "peak of one minigan iteration.")
    for row in rows:
        if row[1] == "ratio":
            print(f"ratio {row[2]} ({row[0]}): {row[3]:.2f}x")


if __name__ == "__main__":
    main()
