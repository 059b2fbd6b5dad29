"""Train minigan's Fashion-MNIST classifier, the feature extractor of the quality scores.

    python demos/train_classifier.py --epochs 4 --out runs/classifier
    python demos/train_classifier.py --install      # also writes minigan/pretrained/fashion_classifier.npz

The shipped weights reached 91.0% test accuracy in 4 epochs (their record, with the command
and each epoch's accuracy and time: minigan/pretrained/fashion_classifier.json).
"""
import argparse
import json
import sys
import time
from pathlib import Path

import minigan.blas

minigan.blas.configure()        # before NumPy loads (minigan/blas.py)

import numpy as np

from minigan.cli import command_line, non_negative_float, positive_int
from minigan import __version__
from minigan.backend import default_device, to_device
from minigan.data.batches import iterate_minibatches
from minigan.data.fashion_mnist import load_fashion_mnist
from minigan.gan.checkpoint import model_arrays, save_checkpoint
from minigan.losses import softmax_cross_entropy
from minigan.models.classifier import accuracy, fashion_classifier
from minigan.optim import Adam
from minigan.pretrained import path_of


@command_line
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=positive_int, default=4, help="passes over the data (default 4)")
    parser.add_argument("--batch-size", type=positive_int, default=128, help="default 128")
    parser.add_argument("--lr", type=non_negative_float, default=1e-3, help="Adam's learning rate (default 1e-3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: $MINIGAN_DEVICE or cpu)")
    parser.add_argument("--out", type=Path, default=Path("runs/classifier"))
    parser.add_argument("--install", action="store_true", help="write the weights into minigan/pretrained/")
    args = parser.parse_args(argv)
    device = default_device(args.device)

    train, test = load_fashion_mnist("train"), load_fashion_mnist("test")
    x_train, x_test = to_device(train.as_float(), device), to_device(test.as_float(), device)
    rng = np.random.default_rng(args.seed)
    model = fashion_classifier(rng=rng).to(device)
    model[0].needs_input_grad = False
    opt = Adam(model, lr=args.lr)
    steps_per_epoch = len(x_train) // args.batch_size
    log = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        start, total = time.perf_counter(), 0.0
        if epoch == args.epochs:
            opt.hyper["lr"] = args.lr / 10           # a last, gentler epoch
        batches = iterate_minibatches((np.arange(len(x_train)),), args.batch_size, rng)
        for i, (index,) in enumerate(batches, 1):
            model.zero_grad()
            loss, dlogits = softmax_cross_entropy(model.forward(x_train[index]), to_device(train.labels[index], device))
            model.backward(dlogits)
            opt.step()
            total += float(loss)
            if i % 50 == 0 or i == steps_per_epoch:
                print(f"\repoch {epoch}/{args.epochs}  batch {i}/{steps_per_epoch}  loss {total / i:.4f}",
                      end="", file=sys.stderr, flush=True)
        acc = accuracy(model, x_test, test.labels)
        seconds = time.perf_counter() - start
        log.append({"epoch": epoch, "train_loss": total / steps_per_epoch, "test_accuracy": acc, "seconds": seconds})
        print(f"\repoch {epoch}/{args.epochs}  loss {total / steps_per_epoch:.4f}  test accuracy {acc:.4f}  "
              f"({seconds:.0f} s)", file=sys.stderr)

    record = {"name": "fashion-classifier", "minigan_version": __version__, "seed": args.seed,
              "command": "python demos/train_classifier.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "test_accuracy": log[-1]["test_accuracy"], "epochs": log}
    args.out.mkdir(parents=True, exist_ok=True)
    targets = [args.out / "classifier.npz"] + ([path_of("fashion-classifier")] if args.install else [])
    for target in targets:
        save_checkpoint(target, model_arrays(model, "model"), {"record": record})
        target.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
