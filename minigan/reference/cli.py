"""``python -m minigan reference export DIR`` and ``python -m minigan reference check DIR --impl M:F``."""
import argparse

from .export import DEFAULT_SEED
from .tolerances import PRESETS


def run_export(args):
    from .export import export
    manifest = export(args.directory, seed=args.seed)
    print(f"wrote {len(manifest['cases'])} cases and manifest.json to {args.directory} "
          f"(minigan {manifest['minigan_version']}, seed {args.seed})")
    return 0


def run_check(args, parser):
    from .check import check, load_factory
    try:
        factory = load_factory(args.impl)
    except (ImportError, ValueError) as err:
        parser.error(f"--impl {args.impl}: {err}")
    try:
        report = check(args.directory, factory, rtol=args.rtol, atol=args.atol, cases=args.cases, dtype=args.dtype,
                       dump=args.dump)
    except (FileNotFoundError, ValueError) as err:
        parser.error(str(err))
    if not report.cases:
        parser.error(f"no case matches {args.cases}")
    print(report)
    if args.dump and report.failed:
        print(f"wrote the arrays of {report.failed} failing case(s) to {args.dump}")
    return 0 if report.ok else 1


def non_negative(text):
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "reference", help="golden fixtures of every layer, loss and optimizer, and a checker for other implementations",
        description="Export minigan's results as golden fixtures, or check another implementation against them "
                    "(see docs/reference.md).")
    commands = parser.add_subparsers(dest="reference_command", metavar="{export,check}", required=True)

    export = commands.add_parser("export", help="write the fixtures (.npz per case and manifest.json) into DIR",
                                 description="Write one .npz per case and a manifest.json into DIR; two exports "
                                             "with the same seed are byte-identical.")
    export.add_argument("directory", metavar="DIR")
    export.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the inputs (default %(default)s)")
    export.set_defaults(run=run_export)

    check = commands.add_parser(
        "check", help="run an implementation's adapter over the fixtures in DIR",
        description="Run an implementation over the fixtures in DIR through its adapter factory and report per "
                    "case the largest errors. Exit status 1 when a case fails.",
        epilog="example: python -m minigan reference check fixtures --impl demos.adapters.pytorch_layers:factory")
    check.add_argument("directory", metavar="DIR")
    check.add_argument("--impl", required=True, metavar="MODULE:FACTORY",
                       help="the adapter factory, factory(kind, config) -> adapter")
    presets = "; ".join(f"{d}: rtol {r:g}, atol {a:g}" for d, (r, a) in PRESETS.items())
    check.add_argument("--dtype", choices=list(PRESETS), default="float64",
                       help=f"the dtype the inputs are handed over in, and the tolerance preset ({presets}; "
                            f"default %(default)s)")
    check.add_argument("--rtol", type=non_negative, help="relative tolerance (default: the dtype's preset)")
    check.add_argument("--atol", type=non_negative, help="absolute tolerance (default: the dtype's preset)")
    check.add_argument("--cases", nargs="+", metavar="GLOB", help='only cases matching, e.g. "Conv2d/*"')
    check.add_argument("--dump", metavar="OUT", help="write each failing case's inputs, expected and actual "
                                                     "arrays to OUT/<case>.npz")
    check.set_defaults(run=lambda args: run_check(args, check))
    return parser
