"""Semi-supervised GAN on Fashion-MNIST: a K+1-class discriminator that learns from N labels.

    python demos/fashion_semi_supervised.py --labels 100 --seed 0      # runs/fashion_semi_supervised/labels100_seed0
    python demos/fashion_semi_supervised.py --labels 1000 --seed 1
    python demos/fashion_semi_supervised.py --labels 100 --seed 0 --resume --steps 8000
    python demos/fashion_semi_supervised.py --labels 100 --seed 2 --steps 20000 --hidden 1000,500,250,250,250

D is a classifier over the ten classes whose "fake" logit is fixed at 0 (Salimans et al. 2016;
minigan/semi_supervised_losses.py): it learns the classes from N labelled training images (N/10
of each class, drawn from --seed), "real" from all 60,000 training images without their labels,
and "fake" from G's samples; G matches the mean of D's last hidden features. D is an MLP with
Gaussian noise on its input and hidden layers (minigan.models.semi_supervised), trained by
minigan.gan.semi_supervised. Beside it the same network, from the same initial weights, trains
on the same N labelled images alone (the baseline): the same batch size, optimizer and number
of steps, no augmentation, its own learning rate and noise (--baseline-lr, --baseline-noise,
--baseline-input-noise). Both are scored on the 10,000 test images every --eval-every steps,
each through a moving average of its weights (--average; the networks' own scores are kept
beside: D's swing by a point or two between evaluations as the game moves it).

Tuning: --validation trains on the first 50,000 training images and scores on the last 10,000,
never on the test images; --baseline-only trains the baseline alone, exactly as it trains
beside the GAN. The defaults are the settings that scored best there at 100 labels, seed 0:
lr 1e-3 and w = 1 for the GAN (of lr 1e-3 or 3e-3 and w 0.5 or 1) and lr 3e-4 for the baseline
(of 3e-4, 1e-3, 3e-3, each with no noise, half and the GAN's noise). w = 2 led w = 1 on the
validation split and trailed it on the test images; three seeds cannot tell the two apart.
The GAN keeps gaining past the default 8,000 steps up to about 20,000 (--steps 20000), holds
until 30,000 and then loses ground, while the baseline stays flat. Salimans et al.'s wider,
deeper D (--hidden 1000,500,250,250,250, about twice the time per step) gained more than the
default body on the validation split, and on the test images it gains the most:
--steps 20000 --hidden 1000,500,250,250,250 is the strongest recipe measured;
docs/results/semi_supervised.md.

The run directory gets evaluations.json, accuracy.png (both accuracies over steps),
samples.png (G), samples.npy, metrics.json (both accuracies, per-class accuracy, confusion
matrices; G's Frechet distance and classifier score) and checkpoint.npz for --resume
(see minigan/runs/semi_supervised_run.py and docs/results/semi_supervised.md).
"""
import json
import sys

import minigan.blas

# Before NumPy loads (minigan/blas.py). One BLAS thread: these products (100 x 784 x 500 at most) gain
# nothing from a second, which on a shared machine mostly waits for a busy core; OPENBLAS_NUM_THREADS overrides.
minigan.blas.configure(threads=1)

import numpy as np

from minigan.cli import (beta, check_resumed_length, command_line, decay, demo_parser, non_negative_float,
                         parse_demo_args, positive_int, status, widths, write_json)
from minigan.runs import CHECKPOINT

VALIDATION = 10000            # --validation: the last 10,000 training images score, the first 50,000 train


def build_parser():
    p = demo_parser(__doc__, out="runs/fashion_semi_supervised/labels{labels}_seed{seed}", steps=8000)
    p.add_argument("--labels", type=positive_int, default=100,
                   help="labelled training images, a multiple of 10: as many of each class (default 100)")
    p.add_argument("--batch-size", type=positive_int, default=100,
                   help="labelled, unlabelled and fake images per step, each (default 100)")
    p.add_argument("--lr", type=non_negative_float, default=1e-3, help="D's Adam learning rate (default 1e-3)")
    p.add_argument("--lr-g", type=non_negative_float, default=1e-3, help="G's Adam learning rate (default 1e-3)")
    p.add_argument("--baseline-lr", type=non_negative_float, default=3e-4,
                   help="the supervised baseline's Adam learning rate (default 3e-4)")
    p.add_argument("--beta1", type=beta, default=0.5, help="Adam beta1 of all three (default 0.5)")
    p.add_argument("--unsupervised-weight", type=non_negative_float, default=1.0,
                   help="w in D's loss labelled + w (unlabelled + fake) (default 1)")
    p.add_argument("--hidden", type=widths, default=(500, 250, 250),
                   help="widths of D's (and the baseline's) hidden layers (default 500,250,250; "
                        "Salimans et al.'s MNIST D: 1000,500,250,250,250)")
    p.add_argument("--input-noise", type=non_negative_float, default=0.6,
                   help="std of D's Gaussian noise on the pixels (default 0.6)")
    p.add_argument("--noise", type=non_negative_float, default=0.5,
                   help="std of D's Gaussian noise on its hidden layers (default 0.5)")
    p.add_argument("--baseline-input-noise", type=non_negative_float, default=None,
                   help="the baseline's noise on the pixels (default: --input-noise)")
    p.add_argument("--baseline-noise", type=non_negative_float, default=None,
                   help="the baseline's noise on its hidden layers (default: --noise)")
    p.add_argument("--average", type=decay, default=0.999, metavar="DECAY",
                   help="score both networks through a moving average of their weights with this decay "
                        "(default 0.999; 0: score the networks themselves)")
    p.add_argument("--validation", action="store_true",
                   help=f"for tuning: train on the first {60000 - VALIDATION:,} training images and score on the "
                        f"last {VALIDATION:,} instead of the test images")
    p.add_argument("--baseline-only", action="store_true",
                   help="train and score the supervised baseline alone (to tune its settings)")
    p.add_argument("--eval-every", type=positive_int, default=500, help="steps between test scores (default 500)")
    p.add_argument("--samples", type=positive_int, default=10000, help="G's images in samples.npy (default 10000)")
    p.add_argument("--no-score", action="store_true", help="skip G's Frechet distance and classifier score")
    p.add_argument("--train-size", type=positive_int, default=None, help="use the first N training images")
    p.add_argument("--test-size", type=positive_int, default=None, help="score on the first N test images")
    p.add_argument("--data-root", default=None, help="folder with the Fashion-MNIST files")
    p.set_defaults(changeable_on_resume=("samples", "no_score"))    # any other option must repeat the run's
    return p


def balanced_subset(labels, n, rng, num_classes=10):
    """n indices into labels, n / num_classes of each class, drawn without replacement, sorted."""
    per_class = n // num_classes
    return np.sort(np.concatenate([rng.choice(np.flatnonzero(labels == k), per_class, replace=False)
                                   for k in range(num_classes)]))


@command_line
def main(argv=None):
    parser = build_parser()
    args = parse_demo_args(parser, argv, CHECKPOINT)
    if args.labels % 10:
        parser.error(f"--labels must be a multiple of 10 (balanced over the classes), got {args.labels}")
    if args.trace:
        parser.error("--trace is not supported by this demo")
    from minigan.data.batches import EpochSampler
    from minigan.data.fashion_mnist import load_fashion_mnist, to_tanh_range
    from minigan.gan import GANConfig
    from minigan.gan.semi_supervised import LabelledOnlyTrainer, SemiSupervisedGANTrainer
    from minigan.models.semi_supervised import feature_layers, semi_supervised_classifier, semi_supervised_generator
    from minigan.optim import Adam
    from minigan.runs.semi_supervised_run import SemiSupervisedRun

    train, test = load_fashion_mnist("train", root=args.data_root), load_fashion_mnist("test", root=args.data_root)
    x, y = to_tanh_range(train.images), train.labels
    x_test, y_test = test.as_float(), test.labels
    if args.validation:
        x, y, x_test, y_test = x[:-VALIDATION], y[:-VALIDATION], x[-VALIDATION:], y[-VALIDATION:]
    x, y = x[:args.train_size], y[:args.train_size]
    x_test, y_test = x_test[:args.test_size], y_test[:args.test_size]
    if args.labels > len(x) or min(np.bincount(y, minlength=10)) < args.labels // 10:
        parser.error(f"--labels {args.labels} needs {args.labels // 10} images of each class in the training images")
    labelled = balanced_subset(y, args.labels, np.random.default_rng([args.seed, 0]))

    def classifier(input_noise, noise):    # the same seed: D and the baseline start from the same weights
        return semi_supervised_classifier(hidden=args.hidden, input_noise=input_noise, noise=noise,
                                          rng=np.random.default_rng([args.seed, 1])).to(args.device)

    G = semi_supervised_generator(rng=np.random.default_rng([args.seed, 2])).to(args.device)
    D = classifier(args.input_noise, args.noise)
    baseline_model = classifier(*(args.input_noise if args.baseline_input_noise is None else args.baseline_input_noise,
                                  args.noise if args.baseline_noise is None else args.baseline_noise))
    betas = (args.beta1, 0.999)
    config = GANConfig(batch_size=args.batch_size, z_dim=100, seed=args.seed, feature_matching=feature_layers(D),
                       accel=args.accel)
    trainer = None if args.baseline_only else SemiSupervisedGANTrainer(
        G, D, Adam(G, lr=args.lr_g, betas=betas), Adam(D, lr=args.lr, betas=betas), EpochSampler(x),
        EpochSampler(x[labelled], y[labelled]), config, unsupervised_weight=args.unsupervised_weight)
    baseline = LabelledOnlyTrainer(baseline_model, Adam(baseline_model, lr=args.baseline_lr, betas=betas),
                                   EpochSampler(x[labelled], y[labelled]), args.batch_size, seed=args.seed,
                                   accel=args.accel)
    scorer = None
    if not (args.no_score or args.baseline_only):
        from minigan.metrics.score import QualityScorer
        scorer = QualityScorer(device=args.device, reference=test.as_float())
    log = lambda message: status(message, True)  # noqa: E731
    run = SemiSupervisedRun(trainer, baseline, args.out, x_test, y_test, args.eval_every, scorer, args.samples,
                            args.seed, progress=not args.no_progress, log=log, average=args.average)
    record = {"command": args.command, "args": {k: str(v) for k, v in vars(args).items() if k != "parser"},
              "labelled_indices": labelled.tolist()}
    if args.resume:                            # parse_demo_args has checked the options against run.json
        first = json.loads((args.out / "run.json").read_text())
        run.resume()
        check_resumed_length(parser, run.step, args.steps)
        record = {**first, "resumed": first.get("resumed", []) + [args.command]}
    write_json(args.out / "run.json", record)
    run.train(args.steps)
    metrics = run.finish()
    summary = {name: metrics[name]["test_accuracy"] for name in ("semi_supervised", "supervised_only")
               if name in metrics}
    summary.update(metrics.get("generator", {}))
    print(json.dumps(summary))
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
