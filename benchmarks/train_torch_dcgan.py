"""The DCGAN recipe of demos/fashion_dcgan.py in PyTorch, for scoring both with the same ruler.

    python benchmarks/train_torch_dcgan.py --epochs 10 --seed 0 --threads 1 --out runs/torch_dcgan/seed0
    python benchmarks/compare_fashion.py runs/fashion_dcgan/seed0 runs/torch_dcgan/seed0
    python benchmarks/train_torch_dcgan.py --dtype float64 --seed 0 --out runs/torch_dcgan_f64/seed0

Same networks (minigan.models.dcgan), N(0, 0.02) weights, Adam(2e-4, 0.5/0.999), batch 128,
non-saturating loss, the step of PyTorch's DCGAN example (one noise batch per iteration, G's
step reuses the D step's fake), shuffled epochs with the last short batch dropped. Writes
samples.npy (10,000 images in eval mode, float32 (N, 28, 28) in [-1, 1]), epochs.json
(seconds per epoch) and metrics.json (minigan's QualityScorer), like the minigan demo.
"""
import argparse
import json
import sys
import time
from pathlib import Path

from blas_threads import use_threads  # benchmarks/: imports nothing heavy


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                   help="weights, activations and data (samples are saved as float32 either way)")
    p.add_argument("--samples", type=int, default=10000)
    p.add_argument("--limit-batches", type=int, default=None, help="steps per epoch (quick tries)")
    p.add_argument("--no-score", action="store_true", help="skip the quality score (timing runs)")
    p.add_argument("--resume", action="store_true",
                   help="continue from OUT/checkpoint.pt (written after every epoch) to --epochs")
    p.add_argument("--out", type=Path, default=Path("runs/torch_dcgan/seed0"))
    return p.parse_args(argv)


ARGS = parse_args()
use_threads(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from minigan.data.fashion_mnist import load_fashion_mnist  # noqa: E402
from minigan.metrics.score import QualityScorer  # noqa: E402
from torch_models import torch_dcgan  # noqa: E402  (benchmarks/)


def step(G, D, opt_G, opt_D, real, z):
    fake = G(z)
    real_logits, fake_logits = D(real), D(fake.detach())
    loss_D = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
              + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    opt_D.zero_grad()
    loss_D.backward()
    opt_D.step()
    logits = D(fake)
    loss_G = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    opt_G.zero_grad()
    loss_G.backward()
    opt_G.step()
    return float(loss_D), float(loss_G)


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(ARGS.seed)
    ARGS.out.mkdir(parents=True, exist_ok=True)
    dtype = getattr(torch, ARGS.dtype)
    x = torch.from_numpy(load_fashion_mnist("train").as_float()).to(dtype)
    G, D = (net.to(dtype) for net in torch_dcgan(torch))
    adam = dict(lr=2e-4, betas=(0.5, 0.999))
    opt_G, opt_D = torch.optim.Adam(G.parameters(), **adam), torch.optim.Adam(D.parameters(), **adam)
    steps = ARGS.limit_batches or len(x) // ARGS.batch_size
    log, checkpoint = [], ARGS.out / "checkpoint.pt"
    if ARGS.resume:
        state = torch.load(checkpoint, weights_only=False)
        if state.get("dtype", "float32") != ARGS.dtype:
            raise SystemExit(f"{checkpoint} was trained in {state.get('dtype', 'float32')}; repeat its --dtype")
        for obj, key in ((G, "G"), (D, "D"), (opt_G, "opt_G"), (opt_D, "opt_D")):
            obj.load_state_dict(state[key])
        torch.set_rng_state(state["rng"])
        log = state["log"]
        print(f"resumed from {checkpoint} after epoch {len(log)}", file=sys.stderr, flush=True)
    for epoch in range(len(log) + 1, ARGS.epochs + 1):
        start, losses = time.perf_counter(), []
        order = torch.randperm(len(x))
        for i in range(steps):
            real = x[order[i * ARGS.batch_size:(i + 1) * ARGS.batch_size]]
            losses.append(step(G, D, opt_G, opt_D, real, torch.randn(ARGS.batch_size, 100, dtype=dtype)))
        seconds = time.perf_counter() - start
        d_loss, g_loss = np.mean(losses, axis=0)
        log.append({"epoch": epoch, "seconds": seconds, "d_loss": float(d_loss), "g_loss": float(g_loss)})
        print(f"epoch {epoch}  {seconds:.0f} s  d_loss {d_loss:.3f}  g_loss {g_loss:.3f}", file=sys.stderr, flush=True)
        (ARGS.out / "epochs.json").write_text(json.dumps(log, indent=2) + "\n")
        torch.save({"G": G.state_dict(), "D": D.state_dict(), "opt_G": opt_G.state_dict(),
                    "opt_D": opt_D.state_dict(), "rng": torch.get_rng_state(), "log": log,
                    "dtype": ARGS.dtype}, checkpoint.with_suffix(".tmp"))
        checkpoint.with_suffix(".tmp").replace(checkpoint)                  # never a half-written checkpoint
    G.eval()
    with torch.no_grad():
        z = torch.from_numpy(np.random.default_rng([ARGS.seed, 2]).standard_normal((ARGS.samples, 100)).astype(np.float32))
        samples = torch.cat([G(z[i:i + 500].to(dtype)) for i in range(0, len(z), 500)])[:, 0].float().numpy()
    np.save(ARGS.out / "samples.npy", samples)
    torch.save(G.state_dict(), ARGS.out / "generator.pt")
    if ARGS.no_score:
        return
    metrics = QualityScorer().score(samples)
    metrics.update(epochs=ARGS.epochs, seconds_per_epoch=[e["seconds"] for e in log], framework="torch", dtype=ARGS.dtype,
                   threads=ARGS.threads, torch_version=torch.__version__)
    (ARGS.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps({k: metrics[k] for k in ("frechet_distance", "classifier_score")}))


if __name__ == "__main__":
    main()
