"""What the Fashion-MNIST GAN demos share: their command line and the run around ``ImageRun``.

    parser = image_demo_parser(__doc__, out="runs/fashion_dcgan/seed{seed}")
    args = parse_image_demo_args(parser, argv)
    G, D = dcgan_generator(rng=rng), dcgan_discriminator(rng=rng)
    return run_image_demo(args, G, D)

Options: --epochs, --batch-size, --seed, --out, --device, --resume, --overwrite, --trace,
--no-progress; the recipe (--loss, --lr-g, --lr-d, --beta1, --beta2, --d-steps, stabilisers:
--label-smoothing, --instance-noise, --minibatch, --replay); --share-every, how often the class
shares of G's images are measured (ImageRun);
for quick tries and tests --limit-batches (steps per epoch), --train-size, --samples, --no-score;
--dtype float64 to see what float32 rounding does to a run; --readable runs the textbook
layers instead of minigan.accel's twins.
"""
import json
import sys
from pathlib import Path

from .cli import (add_recipe_options, check_resumed_length, demo_parser, fraction, non_negative_float,
                  parse_demo_args, positive_int, write_json)
from .runs import CHECKPOINT
from .runs.image_run import SHARE_SAMPLES
from .gan.presets import PRESETS


MINIBATCH = (100, 5)      # --minibatch: kernels and dimensions of D's MinibatchDiscrimination (Salimans et al.)


def image_demo_parser(doc, out, epochs=10, batch_size=128, lr=2e-4):
    p = demo_parser(doc, out)
    p.set_defaults(default_lr=lr, changeable_on_resume=("samples", "score_every", "no_score", "sample_mode", "install"))
    p.add_argument("--epochs", type=positive_int, default=epochs, help=f"passes over the data (default {epochs})")
    p.add_argument("--batch-size", type=positive_int, default=batch_size, help=f"default {batch_size}")
    recipe = p.add_argument_group("recipe")
    add_recipe_options(recipe)
    recipe.add_argument("--lr-g", type=non_negative_float, default=None,
                        help=f"G's learning rate (default {lr}; a preset's own)")
    recipe.add_argument("--lr-d", type=non_negative_float, default=None,
                        help=f"D's learning rate (default {lr}; a preset's own)")
    recipe.add_argument("--beta1", type=fraction, default=None, help="Adam beta1 (default 0.5; a preset's own)")
    recipe.add_argument("--beta2", type=fraction, default=None, help="Adam beta2 (default 0.999; a preset's own)")
    recipe.add_argument("--label-smoothing", type=fraction, default=0.0, help="one-sided (default 0)")
    recipe.add_argument("--instance-noise", type=non_negative_float, default=0.0,
                        help="std of noise on D's inputs, annealed to 0 over the run (default 0)")
    recipe.add_argument("--g-fresh-noise", action="store_true", help="new noise for G's step")
    recipe.add_argument("--minibatch", action="store_true",
                        help=f"mini-batch discrimination: a MinibatchDiscrimination layer of {MINIBATCH[0]} kernels "
                             f"of {MINIBATCH[1]} dimensions before D's output (Salimans et al. 2016)")
    recipe.add_argument("--replay", type=int, default=0, metavar="BATCHES",
                        help="experience replay: part of D's fake batch drawn from the fakes of the last BATCHES "
                             "batches (default 0: off)")
    recipe.add_argument("--replay-fraction", type=fraction, default=0.5,
                        help="with --replay: the share of D's fake batch drawn from the store (default 0.5)")
    quick = p.add_argument_group("evaluation and quick runs")
    quick.add_argument("--samples", type=positive_int, default=10000, help="images in samples.npy (default 10000)")
    quick.add_argument("--score-every", type=int, default=1, help="score every N epochs, 0: at the end (default 1)")
    quick.add_argument("--share-every", type=int, default=100,
                       help=f"steps between measurements of the class shares of {SHARE_SAMPLES} images of G under the "
                            "shipped classifier, besides every epoch's end (default 100, 0: epochs only)")
    quick.add_argument("--no-score", action="store_true", help="skip the quality scores (no test set needed)")
    quick.add_argument("--sample-mode", choices=["eval", "train"], default="eval",
                       help="G's batch-norm mode when drawing samples (default eval)")
    quick.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                       help="of every weight and activation (default float32); float64 trains about half as "
                            "fast and shows what float32 rounding does to a run")
    quick.add_argument("--limit-batches", type=positive_int, default=None, help="steps per epoch (default: a full pass)")
    quick.add_argument("--train-size", type=positive_int, default=None, help="use the first N training images")
    quick.add_argument("--data-root", default=None, help="folder with the Fashion-MNIST files")
    return p


def parse_image_demo_args(parser, argv=None):
    """Parse; check the device and the run directory (empty, or --overwrite, or --resume with a
    checkpoint in it); any problem exits 2 with the usage line."""
    args = parse_demo_args(parser, argv, CHECKPOINT)
    args.parser = parser
    args.penalty = PRESETS.get(args.loss, {}).get("config", {}).get("penalty")
    return args


def build_trainer(args, G, D, conditional=False, z_dim=100, data=None):
    """The trainer of a demo: the --loss recipe (Adam, or a preset's optimizer), EpochSampler over the
    (first --train-size) images; an epoch is one pass over them, d_steps batches per G step."""
    from .data.batches import EpochSampler
    from .data.fashion_mnist import load_fashion_mnist, to_tanh_range
    from .gan import GANTrainer
    from .gan.conditional import ConditionalGANTrainer
    from .gan.presets import recipe
    data = data or load_fashion_mnist("train", root=args.data_root)
    x, labels = to_tanh_range(data.images[:args.train_size]).astype(args.dtype), data.labels[:args.train_size]
    if args.batch_size > len(x):
        args.parser.error(f"--batch-size {args.batch_size} is larger than the {len(x)} training images")
    G.astype(args.dtype).to(args.device), D.astype(args.dtype).to(args.device)
    plain_lr = None if args.loss in PRESETS else args.default_lr      # a preset brings its own
    try:
        config, g_opt, d_opt = recipe(
            args.loss, G, D, lr_g=args.lr_g if args.lr_g is not None else plain_lr,
            lr_d=args.lr_d if args.lr_d is not None else plain_lr, beta1=args.beta1, beta2=args.beta2,
            d_steps=args.d_steps, penalty_weight=args.penalty_weight, batch_size=args.batch_size, z_dim=z_dim,
            seed=args.seed, label_smoothing=args.label_smoothing or None, instance_noise=args.instance_noise,
            g_fresh_noise=args.g_fresh_noise, g_average=args.average, accel=args.accel,
            replay_size=args.replay * args.batch_size, replay_fraction=args.replay_fraction)
    except ValueError as err:                           # e.g. label smoothing with a critic
        args.parser.error(str(err))
    steps_per_epoch = args.limit_batches or len(x) // (args.batch_size * config.d_steps)  # each D step takes a batch
    if args.instance_noise:
        config.instance_noise_steps = args.epochs * steps_per_epoch
    trainer_class = ConditionalGANTrainer if conditional else GANTrainer
    trainer = trainer_class(G, D, g_opt, d_opt, EpochSampler(x, labels), config)
    return trainer, steps_per_epoch


def run_image_demo(args, G, D, conditional=False, z_dim=100, install=None):
    """Train (or --trace, or --resume) and finish a run; prints metrics.json's summary. Returns 0.

    install: a pretrained name ("fashion-dcgan"): afterwards write the network that drew the
    samples (G's weight average with --average, else G; a conditional G's inner generator) to
    minigan/pretrained/ with the run's record (install_generator)."""
    from .data.fashion_mnist import load_fashion_mnist
    from .runs.image_run import ImageRun
    from .metrics.score import QualityScorer
    from .nn import MinibatchDiscrimination
    from .trace import trace_step
    if args.replay < 0:
        args.parser.error(f"--replay must be >= 0 batches, got {args.replay}")
    if args.minibatch and not any(isinstance(m, MinibatchDiscrimination) for m in D.modules()):
        args.parser.error("--minibatch: this demo's discriminator has no mini-batch layer")
    if args.minibatch and args.penalty:
        args.parser.error(f"--loss {args.loss} penalises each image's gradient: D must not mix images (no --minibatch)")
    trainer, steps_per_epoch = build_trainer(args, G, D, conditional, z_dim)
    if args.trace:
        tracer = trace_step(trainer, args.out)
        print(f"traced {len(tracer.events)} layer calls: {tracer.order()}; wrote {args.out / 'trace.txt'}")
        return 0
    scorer = reference = None
    if not args.no_score:
        reference = load_fashion_mnist("test", root=args.data_root).as_float()
        scorer = QualityScorer(device=args.device, reference=reference)
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    run = ImageRun(trainer, args.out, steps_per_epoch, scorer, args.samples, args.score_every,
                   args.sample_mode, args.seed, reference, not args.no_progress, log, share_every=args.share_every)
    if args.resume:
        record = json.loads((args.out / "run.json").read_text())      # how the run went on, after its first command
        trained_in = record["args"].get("dtype", "float32")
        if trained_in != args.dtype:                                   # the checkpoint would be cast silently
            args.parser.error(f"--resume with --dtype {args.dtype}, but the run trains in {trained_in}")
        check_resumed_length(args.parser, run.resume(), args.epochs, "--epochs")
        ours, theirs = _training_settings(trainer.config.to_dict()), _training_settings(_config_in(args.out))
        changed = [f"{k} (the run's {theirs.get(k)}, now {v})" for k, v in ours.items() if theirs.get(k) != v]
        if changed:
            args.parser.error(f"--resume with other settings than the checkpoint's: {', '.join(changed)}; "
                              f"repeat the first command's options")
        record["resumed"] = record.get("resumed", []) + [args.command]
        write_json(args.out / "run.json", record)
    else:
        write_json(args.out / "run.json", {"command": args.command, "steps_per_epoch": steps_per_epoch,
                                           "args": {k: str(v) for k, v in vars(args).items() if k != "parser"}})
    run.train(args.epochs)
    metrics = run.finish()
    keys = ("frechet_distance", "classifier_score", "test_set_classifier_score", "mean_conditional_accuracy")
    print(json.dumps({k: metrics[k] for k in keys if k in metrics}))
    log(f"wrote {args.out}")
    if install:
        from .gan.sampling import drawing_network
        log(f"wrote {install_generator(drawing_network(run.sampler), install, args.out)}")   # as drawn
    return 0


def _training_settings(config):
    """The settings a resumed run must repeat: all but how the steps run (the fast twins compute
    the same step as the readable layers)."""
    return {k: v for k, v in config.items() if k not in ("accel", "cuda_graph")}


def _config_in(out):
    from .gan.trainer import config_from_checkpoint
    return config_from_checkpoint(Path(out) / CHECKPOINT).to_dict()


def install_generator(G, name, out):
    """Write G's weights to minigan/pretrained/NAME.npz, and beside it NAME.json: the run's first
    command and every --resume command after it, its seed, per-epoch log and metrics (from the
    run directory ``out``)."""
    from . import __version__
    from .gan.checkpoint import model_arrays, save_checkpoint
    from .pretrained import path_of
    out = Path(out)
    run = json.loads((out / "run.json").read_text())
    record = {"name": name, "minigan_version": __version__, "command": run["command"],
              "resumed": run.get("resumed", []), "seed": int(run["args"]["seed"]),
              "metrics": json.loads((out / "metrics.json").read_text()),
              "epochs": json.loads((out / "epochs.json").read_text())}
    path = path_of(name)
    save_checkpoint(path, model_arrays(G, "model"), {"record": record})
    path.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    return path
