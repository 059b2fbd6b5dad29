"""What every demo script shares: the common options, the device, the run directory, a learning-rate decay.

    parser = demo_parser(__doc__, out="runs/toy_2d/{dataset}-{trick}-seed{seed}", steps=6000)
    parser.add_argument("--dataset", ...)            # the demo's own options
    args = parse_demo_args(parser, argv)            # args.device checked, args.out created

Common options: --seed, --out, --device, --steps, --no-progress, --overwrite, --resume, --trace,
--readable. Demos run minigan.accel's fast twins of the layers (``args.accel``) and say so in
their first progress line; --readable runs the textbook layers of minigan.nn end to end.

--resume continues the run in --out. Every option must repeat the run's (recorded in its
run.json), except those in ``CHANGEABLE_ON_RESUME`` and a demo's own
``parser.set_defaults(changeable_on_resume=...)``: a mismatch exits 2 naming the option, the
run's value and the given one.

``@command_line`` wraps a demo's ``main``: minigan's own errors (a bad checkpoint or dataset, a
diverged run, an invalid setting, an unwritable --out) end in one line on stderr and a
non-zero exit (2 for bad input, 1 for a run that failed), not a traceback; MINIGAN_DEBUG=1
shows the traceback.
A wrong argument, an unusable device, a run directory that already holds files (without
--overwrite or --resume) or --resume without a checkpoint exits with status 2 and the usage
line, as argparse does for any bad argument.
"""
import argparse
import functools
import json
import math
import os
import shutil
import sys
import time
from pathlib import Path

from .backend import DeviceError, default_device
from .data.idx import DatasetError
from .gan.checkpoint import CheckpointError, remove_leftovers
from .gan.guards import NonFiniteError
from .jsonio import write_json

CHANGEABLE_ON_RESUME = ("out", "resume", "overwrite", "trace", "no_progress", "readable", "device", "steps",
                        "epochs", "data_root")
BAD_INPUT = (CheckpointError, DatasetError, DeviceError, ValueError, OSError)


def positive_int(text):
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def non_negative_float(text):
    """argparse type: a finite float >= 0."""
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def fraction(text):
    """argparse type: a float in [0, 1]."""
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1], got {text}")
    return value


def widths(text):
    """argparse type: comma-separated layer widths, each >= 1: "500,250,250" -> (500, 250, 250)."""
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be comma-separated integers such as 500,250,250, got {text!r}")
    if min(values) < 1:
        raise argparse.ArgumentTypeError(f"every width must be >= 1, got {text!r}")
    return values


def beta(text):
    """argparse type: an Adam beta, in [0, 1) (at 1 its moment would never move from 0)."""
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def decay(text):
    """argparse type: a weight average's decay, in [0, 1) (0: no average; 1 would never move)."""
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1) (0: no average), got {text}")
    return value


def demo_parser(doc, out, steps=None):
    """An ArgumentParser with the options every demo has.

    doc:   the script's docstring; its first paragraph is the description, the rest the epilog.
    out:   default run directory, a template filled from the parsed arguments ("{seed}").
    steps: default number of training steps for --steps; None: the demo measures its run in
           another unit (--epochs, --images) and adds that option itself.
    """
    description, _, epilog = (doc or "").strip().partition("\n\n")
    parser = argparse.ArgumentParser(description=description, epilog=epilog or None,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(out_template=out)
    parser.add_argument("--seed", type=int, default=0, help="seeds models, training and evaluation (default 0)")
    parser.add_argument("--out", type=Path, default=None, help=f"run directory (default {out})")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: $MINIGAN_DEVICE or cpu)")
    if steps is not None:
        parser.add_argument("--steps", type=positive_int, default=steps, help=f"training steps (default {steps})")
    parser.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    parser.add_argument("--overwrite", action="store_true", help="write into a run directory that holds files")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out from its checkpoint; the other options must repeat the run's, "
                             "except --steps/--epochs (to train longer), --device, --readable and --no-progress")
    parser.add_argument("--trace", action="store_true",
                        help="record one training iteration layer by layer into --out (trace.txt), then exit")
    parser.add_argument("--readable", action="store_true",
                        help="run the textbook layers of minigan.nn, the code to step through in a debugger "
                             "(default: their fast twins from minigan.accel, tested equal)")
    return parser


def add_recipe_options(parser, d_steps=1):
    """--loss (a loss or a preset of minigan.gan.presets), --d-steps, --penalty-weight and --average
    (G's weight average), on a parser or an argument group; None means "the recipe's own"."""
    from .gan.presets import RECIPES
    parser.add_argument("--loss", choices=RECIPES, default="non-saturating",
                        help="a loss, or a preset with its own optimizer, D steps and penalty: wgan, wgan-gp, r1 "
                             "(minigan.gan.presets; default non-saturating)")
    parser.add_argument("--d-steps", type=positive_int, default=None,
                        help=f"D steps per G step (default {d_steps}; a preset's own)")
    parser.add_argument("--penalty-weight", type=non_negative_float, default=None,
                        help="lambda of wgan-gp, gamma of r1 (default 10)")
    parser.add_argument("--average", type=decay, default=0.0, metavar="DECAY",
                        help="draw samples, pictures and scores from a moving average of G's weights with this "
                             "decay, e.g. 0.999 (default 0: off)")


def parse_demo_args(parser, argv=None, checkpoint=None):
    """Parse, check the device, then the run directory (check_run_dir); any problem exits 2
    with the usage line."""
    args = parser.parse_args(argv)
    try:
        args.device = default_device(args.device)
    except DeviceError as err:
        parser.error(str(err))
    if args.out is None:
        args.out = Path(args.out_template.format(**vars(args)))
    check_run_dir(parser, args, checkpoint or CHECKPOINT)
    args.command = " ".join(["python", sys.argv[0]] + (list(argv) if argv is not None else sys.argv[1:]))
    if args.resume:
        check_resumed_options(parser, args)
    args.accel = not args.readable
    status(layers_line(args.accel), not getattr(args, "no_progress", False))
    return args


def layers_line(accel):
    """The first progress line: which layers run."""
    if accel:
        return "layers: minigan.accel's fast twins, tested equal to minigan.nn (--readable runs the textbook code)"
    return "layers: minigan.nn as written (--readable), the code a debugger steps through"


CHECKPOINT = "checkpoint.npz"


def recorded_args(args):
    """The parsed options as run.json keeps them (strings)."""
    return {k: str(v) for k, v in vars(args).items() if k != "parser"}


def check_resumed_options(parser, args):
    """--resume: every option that may not change must equal the run's (run.json); else exit 2
    naming it. A run.json that cannot be read is refused too; a run without one is let through."""
    path = args.out / "run.json"
    if not path.is_file():
        return
    try:
        recorded = json.loads(path.read_text())["args"]
    except (ValueError, KeyError, TypeError) as err:
        parser.error(f"--resume: {path} is damaged ({err}); restore it or start a new run with --overwrite")
    changeable = set(CHANGEABLE_ON_RESUME) | set(parser.get_default("changeable_on_resume") or ())
    for action in parser._actions:
        if not action.option_strings or action.dest in changeable or action.dest not in recorded:
            continue
        given = str(getattr(args, action.dest))
        if given != recorded[action.dest]:
            allowed = ", ".join(f"--{name.replace('_', '-')}" for name in sorted(changeable - {"out", "resume",
                                                                                               "overwrite", "trace"}))
            parser.error(f"--resume: {action.option_strings[-1]} is {recorded[action.dest]} in the run in "
                         f"{args.out}, got {given}; repeat the run's value (on resume only {allowed} may change)")


def check_resumed_length(parser, done, wanted, option="--steps"):
    """A resumed run has done ``done`` steps (or epochs); asking for fewer would record a run
    shorter than the checkpoint it continues."""
    if wanted < done:
        parser.error(f"--resume: the run has already done {done}; {option} {wanted} would end before that "
                     f"(give {option} {done} or more)")


def earlier_records(args, key, step):
    """A resumed run's list ``key`` from its metrics.json, entries up to ``step`` (what the run
    recorded before it was interrupted); [] for a new run."""
    path = args.out / "metrics.json"
    if not args.resume or not path.is_file():
        return []
    return [r for r in json.loads(path.read_text()).get(key) or [] if r["step"] <= step]


def command_line(main):
    """Decorate a demo's ``main(argv)``: minigan's own errors become one line and an exit status."""
    @functools.wraps(main)
    def run(argv=None):
        try:
            return main(argv)
        except NonFiniteError as err:
            fail(err, 1, "the run diverged; the last checkpoint in --out is the last good state")
        except BAD_INPUT as err:
            fail(err, 2)
    return run


def fail(err, status, hint=""):
    if os.environ.get("MINIGAN_DEBUG", "") not in ("", "0"):
        raise err
    message = " ".join(str(err).split()) or type(err).__name__
    print(f"{Path(sys.argv[0]).name}: error: {message}" + (f" ({hint})" if hint else ""), file=sys.stderr)
    raise SystemExit(status)


def check_run_dir(parser, args, checkpoint=CHECKPOINT):
    """--out must be new or empty, or --overwrite, or --resume with a checkpoint in it (--trace
    may write into a new directory); otherwise exit 2 with the usage line."""
    if args.resume and args.overwrite:
        parser.error("--resume and --overwrite exclude each other")
    if args.resume:
        if not (args.out / checkpoint).is_file():
            parser.error(f"--resume: no {checkpoint} in {args.out}")
        for name in remove_leftovers(args.out):
            status(f"removed {name}, left by a write that was interrupted")
        return
    try:
        prepare_run_dir(args.out, args.overwrite or args.trace and not args.out.exists())
    except OSError as err:                      # a file in the way, no permission, a full disk
        parser.error(str(err))


def trace_and_exit(trainer, args):
    """--trace: one training iteration recorded layer by layer into args.out (minigan.trace)."""
    from .trace import trace_step
    tracer = trace_step(trainer, args.out)
    status(f"traced {len(tracer.events)} layer calls; wrote {args.out / 'trace.txt'}")
    return tracer


def prepare_run_dir(path, overwrite=False):
    """Create ``path``; refuse one that already holds files unless ``overwrite`` (nothing is deleted)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"run directory {path} exists and is not a directory")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise FileExistsError(f"run directory {path} is not empty; pass --overwrite or choose another --out")
    path.mkdir(parents=True, exist_ok=True)
    if not os.access(path, os.W_OK | os.X_OK):
        raise PermissionError(f"run directory {path} is not writable; choose another --out")
    return path


def status(message, enabled=True):
    """A line of news on stderr (stdout stays free for results)."""
    if enabled:
        print(message, file=sys.stderr, flush=True)


def linear_decay(optimizers, steps, start=0.5, final=0.01):
    """A trainer callback: each optimizer's learning rate stays as it is up to step ``start * steps``,
    then falls linearly to ``final`` times that value at step ``steps`` (a GAN settles into its
    equilibrium instead of circling around it). The starting rate is kept in the optimizer's
    ``hyper["initial_lr"]`` (as PyTorch's schedulers keep it), so it travels with checkpoints
    and a resumed run follows the same schedule."""
    for opt in optimizers:
        opt.hyper.setdefault("initial_lr", opt.hyper["lr"])
    first = int(start * steps)

    def callback(trainer, record):
        if trainer.step > first:
            factor = 1 - (1 - final) * (trainer.step - first) / max(steps - first, 1)
            for opt in optimizers:
                opt.hyper["lr"] = opt.hyper["initial_lr"] * factor
    return callback


def finish_toy_run(args, trainer, frames, metrics, start, title, samples=None):
    """What a toy demo leaves in args.out after training: final.png (the last frame), training.gif,
    curves.png (with the critic's Wasserstein estimate under a Wasserstein loss), history.json
    and .csv, metrics.json (with the wall time since ``start``, a perf_counter reading, and the
    run's health: losses that exploded, ``samples`` that collapsed to one point) and run.json
    (the command, any --resume commands after it, and the set-up)."""
    from .gan.trainer import describe
    from .metrics.health import training_health
    from .plots import training_curves, write_gif
    shutil.copyfile(frames.paths[-1], args.out / "final.png")
    write_gif(frames.paths, args.out / "training.gif")
    training_curves(trainer.history, args.out / "curves.png", title=title,
                    wasserstein=trainer.config.loss == "wasserstein")
    trainer.history.save_json(args.out / "history.json")
    trainer.history.save_csv(args.out / "history.csv")
    metrics["wall_seconds"] = time.perf_counter() - start
    metrics["health"] = training_health(trainer.history.records, samples)
    report_health(metrics["health"])
    write_json(args.out / "metrics.json", metrics)
    write_run_record(args, describe(trainer))
    return metrics


def start_run_record(args):
    """A new run's run.json, written before training so that a --resume after an interruption
    can check its options (finish_toy_run completes it)."""
    if not args.resume:
        write_json(args.out / "run.json", {"command": args.command, "args": recorded_args(args)})


def write_run_record(args, extra=None):
    """run.json: the first command and its options, every --resume command after it, and ``extra``."""
    path = args.out / "run.json"
    record = {"command": args.command, "args": recorded_args(args)}
    if args.resume and path.is_file():
        first = json.loads(path.read_text())
        record = {**first, "resumed": first.get("resumed", []) + [args.command]}
    write_json(path, {**record, **(extra or {})})


def report_health(health):
    if health["warnings"]:
        print("warning: " + "; ".join(health["warnings"]), file=sys.stderr, flush=True)
