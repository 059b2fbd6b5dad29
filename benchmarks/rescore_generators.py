"""Score trained DCGAN generators on several sets of noise codes, to split a run's Frechet
distance into the part that belongs to the trained network and the part that is the luck of
the 10,000 codes it was scored on.

    python benchmarks/rescore_generators.py --code-sets 6 \
        --group minigan runs/fashion_dcgan/seed{3,4,5} --group torch runs/torch_dcgan/seed{3,4,5}

A generator is a minigan run directory without --average (its checkpoint.npz) or a PyTorch
run of benchmarks/train_torch_dcgan.py (its generator.pt; torch needed to read it). Every
generator draws from the same code sets, default_rng([1000 + k, 2]) for k < --code-sets, in
eval mode, and is scored by minigan's QualityScorer. Prints one row per generator (its FD on
each code set, their mean and standard deviation), then per group the mean of the generators'
means, the spread between generators and the spread within one (the code sets), as Markdown.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from minigan.gan.checkpoint import load_checkpoint, load_model_arrays  # noqa: E402
from minigan.gan.sampling import generate  # noqa: E402
from minigan.metrics.score import QualityScorer  # noqa: E402
from minigan.models.dcgan import dcgan_generator  # noqa: E402


def load_generator(run):
    """minigan's DCGAN generator holding the weights of a minigan or PyTorch run directory."""
    G = dcgan_generator(z_dim=100, rng=np.random.default_rng(0))
    if (run / "checkpoint.npz").is_file():
        arrays, _ = load_checkpoint(run / "checkpoint.npz")
        if any(k.startswith("G_average/") for k in arrays):
            raise SystemExit(f"{run}: drew its samples from G's weight average (--average), with batch-norm "
                             f"statistics of its own; this script scores G's last iterate, so it refuses it")
        arrays = {k: v for k, v in arrays.items() if k.startswith("G/")}
    elif (run / "generator.pt").is_file():
        import torch
        state = torch.load(run / "generator.pt", weights_only=True)
        arrays = {f"G/{k}": v.numpy() for k, v in state.items() if not k.endswith("num_batches_tracked")}
    else:
        raise SystemExit(f"{run}: neither checkpoint.npz (minigan) nor generator.pt (PyTorch) is there")
    load_model_arrays(G, arrays, "G", source=str(run))
    return G


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--group", nargs="+", action="append", required=True, metavar=("NAME", "RUN"),
                   help="a named group of run directories; repeat for each group")
    p.add_argument("--code-sets", type=int, default=6, help="sets of codes per generator (default 6)")
    p.add_argument("--samples", type=int, default=10000, help="codes per set (default 10000)")
    args = p.parse_args(argv)
    if args.code_sets < 2:
        p.error("--code-sets must be at least 2, to measure the spread within a generator")
    codes = [np.random.default_rng([1000 + k, 2]).standard_normal((args.samples, 100)).astype(np.float32)
             for k in range(args.code_sets)]
    scorer = QualityScorer()
    sets = " | ".join(f"codes {k}" for k in range(args.code_sets))
    print(f"| generator | {sets} | mean | std |")
    print("|---|" + "---|" * (args.code_sets + 2))
    summary = []
    for name, *runs in args.group:
        means, stds = [], []
        for run in map(Path, runs):
            G = load_generator(run)
            fd = np.array([scorer.score(generate(G, z))["frechet_distance"] for z in codes])
            means.append(fd.mean())
            stds.append(fd.std(ddof=1))
            print(f"| {name}: {run} | " + " | ".join(f"{v:.2f}" for v in fd) + f" | {fd.mean():.2f} | {stds[-1]:.2f} |",
                  flush=True)
        between = np.std(means, ddof=1) if len(means) > 1 else float("nan")
        summary.append((name, len(means), np.mean(means), between, np.sqrt(np.mean(np.square(stds)))))
    print("\n| group | generators | mean FD | std between generators | std within one (code sets) |")
    print("|---|---|---|---|---|")
    for name, n, mean, between, within in summary:
        print(f"| {name} | {n} | {mean:.2f} | {between:.2f} | {within:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
