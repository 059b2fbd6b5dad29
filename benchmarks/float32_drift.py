"""How far float32 training drifts from float64 training, minigan against PyTorch.

Both frameworks agree to 1e-9 in float64 (tests/torch_crosscheck/test_gan_iteration.py), so
any difference between their float32 runs is rounding. This script starts four copies of the
Fashion-MNIST DCGAN from the same weights and feeds them the same real batches and the same
noise for --iterations iterations of the non-saturating recipe (Adam 2e-4, betas 0.5/0.999):

    torch float64   the reference trajectory
    torch float32   PyTorch's rounding
    minigan float32 minigan's rounding
    minigan float64 a check: it should sit on the reference (errors ~1e-13)

After each iteration it prints, for G's and D's weights,

    drift = ||W - W_ref|| / ||W_ref - W_start||

the distance from the reference trajectory as a fraction of the distance that trajectory has
moved. Rounding errors grow along any GAN trajectory (the game is chaotic), so the question is
not whether float32 drifts but whether minigan's float32 drifts faster than PyTorch's.

    python benchmarks/float32_drift.py --iterations 30
    python benchmarks/float32_drift.py --iterations 100 --every 10 --json runs/drift.json

Needs torch (CPU build: pip install torch==2.13.0) and the Fashion-MNIST training images.
"""
import argparse
import copy
import json
import sys
import time
from pathlib import Path

from blas_threads import use_threads  # benchmarks/: imports nothing heavy


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--iterations", type=int, default=30)
    p.add_argument("--every", type=int, default=1, help="print every Nth iteration (default 1)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="BLAS threads for both frameworks (default 1)")
    p.add_argument("--json", type=Path, help="also write the table here")
    args = p.parse_args(argv)
    if args.iterations < 1 or args.every < 1 or args.batch_size < 1:
        p.error("--iterations, --every and --batch-size must be positive")
    return args


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    use_threads(ARGS.threads)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np  # noqa: E402

from minigan import losses, optim  # noqa: E402
from minigan.data.fashion_mnist import load_fashion_mnist  # noqa: E402
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator  # noqa: E402
from torch_models import torch_dcgan  # noqa: E402  (benchmarks/)

ADAM = dict(lr=2e-4, betas=(0.5, 0.999))


class MiniganRun:
    def __init__(self, G, D, dtype):
        self.G, self.D = G.astype(dtype), D.astype(dtype)
        self.G.needs_input_grad = False            # nobody needs dz (GANTrainer skips it too)
        self.dtype = dtype
        self.opt_G, self.opt_D = optim.Adam(self.G, **ADAM), optim.Adam(self.D, **ADAM)
        self.loss = losses.NonSaturating()

    def iteration(self, real, z):
        """GANTrainer's iteration, written out (as in tests/torch_crosscheck)."""
        G, D = self.G, self.D
        real, z = real.astype(self.dtype), z.astype(self.dtype)
        fake = G.forward(z)
        self.opt_D.zero_grad()
        D.needs_input_grad = False
        D.backward(self.loss.discriminator_real(D.forward(real))[1])
        D.backward(self.loss.discriminator_fake(D.forward(fake))[1])
        D.needs_input_grad = True
        self.opt_D.step()
        self.opt_G.zero_grad()
        D.requires_grad_(False)
        G.backward(D.backward(self.loss.generator(D.forward(fake))[1]))
        D.requires_grad_(True)
        self.opt_G.step()

    def weights(self):
        return [{k: np.array(v, dtype=np.float64) for k, v in m.params.items()} for m in (self.G, self.D)]


class TorchRun:
    def __init__(self, torch, G64, D64, dtype):
        self.torch, self.F = torch, torch.nn.functional
        self.dtype = dtype
        self.G, self.D = (m.to(torch.float64) for m in torch_dcgan(torch))
        with torch.no_grad():
            for model, theirs in ((G64, self.G), (D64, self.D)):
                stores = {**dict(theirs.named_parameters()), **dict(theirs.named_buffers())}
                for name, value in {**model.params, **model.buffers}.items():
                    stores[name].copy_(torch.from_numpy(np.asarray(value, dtype=np.float64)))
        self.G.to(dtype), self.D.to(dtype)
        self.opt_G = torch.optim.Adam(self.G.parameters(), **ADAM)
        self.opt_D = torch.optim.Adam(self.D.parameters(), **ADAM)

    def iteration(self, real, z):
        torch, F = self.torch, self.F
        real, z = torch.from_numpy(real).to(self.dtype), torch.from_numpy(z).to(self.dtype)
        fake = self.G(z)
        self.opt_D.zero_grad()
        r, f = self.D(real), self.D(fake.detach())
        loss_D = (F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
                  + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)))
        loss_D.backward()
        self.opt_D.step()
        self.opt_G.zero_grad()
        logits = self.D(fake)
        F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits)).backward()
        self.opt_G.step()

    def weights(self):
        return [{k: p.detach().double().numpy().copy() for k, p in m.named_parameters()} for m in (self.G, self.D)]


def distance(a, b):
    return float(np.sqrt(sum(np.sum((a[k] - b[k]) ** 2) for k in a)))


def main():
    import torch
    torch.set_num_threads(ARGS.threads)
    rng = np.random.default_rng(ARGS.seed)
    G = dcgan_generator(rng=rng, dtype="float64")
    D = dcgan_discriminator(rng=rng, dtype="float64")
    runs = {"torch f64": TorchRun(torch, G, D, torch.float64),
            "torch f32": TorchRun(torch, G, D, torch.float32),
            "minigan f32": MiniganRun(copy.deepcopy(G), copy.deepcopy(D), "float32"),
            "minigan f64": MiniganRun(G, D, "float64")}
    start = runs["torch f64"].weights()
    x = load_fashion_mnist("train").as_float()
    order = rng.permutation(len(x))
    others = [n for n in runs if n != "torch f64"]
    print(f"{'iter':>5} " + " ".join(f"{n + ' ' + w:>16}" for n in others for w in ("G", "D")), flush=True)
    table, begin = [], time.perf_counter()
    for i in range(ARGS.iterations):
        batch = order[(i * ARGS.batch_size + np.arange(ARGS.batch_size)) % len(x)]      # wraps after an epoch
        real = x[batch].reshape(-1, 1, 28, 28).astype(np.float64)
        z = rng.standard_normal((ARGS.batch_size, 100))
        for run in runs.values():
            run.iteration(real, z)
        ref = runs["torch f64"].weights()
        row = {"iteration": i + 1}
        for n in others:
            for w, got, r, s in zip("GD", runs[n].weights(), ref, start):
                row[f"{n} {w}"] = distance(got, r) / max(distance(r, s), 1e-300)
        table.append(row)
        if (i + 1) % ARGS.every == 0 or i == 0 or i + 1 == ARGS.iterations:
            print(f"{i + 1:>5} " + " ".join(f"{row[f'{n} {w}']:>16.3e}" for n in others for w in "GD"), flush=True)
    print(f"({time.perf_counter() - begin:.0f} s)", file=sys.stderr)
    if ARGS.json:
        ARGS.json.parent.mkdir(parents=True, exist_ok=True)
        finite = [{k: (v if np.isfinite(v) else None) for k, v in row.items()} for row in table]   # a run that blew up
        ARGS.json.write_text(json.dumps(finite, indent=1) + "\n")


if __name__ == "__main__":
    main()
