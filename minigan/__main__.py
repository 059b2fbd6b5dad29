"""``python -m minigan COMMAND ...``: a small dispatcher; each command lives in its own module.

A command module has ``add_parser(subparsers)``, which adds its parser and sets a default
``run(args) -> exit status`` on it. To add a command, list its module in COMMANDS.
"""
import argparse
import importlib
import sys

if __name__ == "__main__":
    from minigan import blas
    blas.configure()                  # before NumPy loads

from minigan.cli import command_line  # noqa: E402

COMMANDS = ["minigan.reference.cli", "minigan.trace", "minigan.sample"]


@command_line
def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m minigan", description="minigan's command-line tools.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(name).add_parser(subparsers)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
