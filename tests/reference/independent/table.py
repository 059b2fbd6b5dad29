"""The planted-bug table of docs/reference.md: each bug checked under fixtures of several export
seeds, in float64 and at the float32 preset.

    python -m tests.reference.independent.table --seeds 10
    python -m tests.reference.independent.table --seeds 10 --correct

Per bug: in how many seeds a case failed, per dtype; the smallest over seeds of the margin (the
largest allowed-error ratio among the failing tensors: how far beyond the tolerance the bug
lands; "crash" for an exception); the cases that caught it; and the report's first FAIL line
and hint, from seed 0 in float64.
"""
import argparse
import re
import tempfile
import warnings

from minigan.reference import check, export
from tests.reference.independent.bugs import BUGS, buggy_factory


def margin(report):
    ratios = [t.ratio for c in report.cases for t in c.failing if t.note.startswith("|error|")]
    crashed = any(c.message.startswith("error") for c in report.cases)
    shapes = any(t.note.startswith(("shape", "non-finite")) for c in report.cases for t in c.failing)
    return max(ratios, default=0.0), crashed or shapes


def first_lines(report):
    """(what the first failing case's report names, its hint), short and free of "|"."""
    for case in report.cases:
        if case.status != "failed":
            continue
        hints = [t.hint for t in case.failing if t.hint] + case.hints
        hint = re.sub(r"^.*? match ", "matches ", hints[0]) if hints else f"pins: {case.pins}" if case.pins else ""
        if case.message.startswith("error"):
            place = re.search(r"\(at (\S+) in (\w+)", case.message)
            return f"error {case.message.split(':')[1].strip()} at {place.group(1)} in {place.group(2)}", hint
        t = case.failing[0]
        what = t.note.split(" at ")[0].replace("|error|", "error") if t.note.startswith("|") else t.note
        return f"FAIL {t.name}: {what}", hint
    return "", ""


def correct(directories):
    """How much of the allowed error the correct implementations use: the largest ratio over
    every tensor of every case and seed, and where it is."""
    from minigan.reference.adapters import factory as minigan_factory
    from tests.reference.independent import factory
    print("| implementation | dtype | passed | largest error / allowed | at |")
    print("|---|---|---|---|---|")
    for label, implementation in (("minigan", minigan_factory), ("independent NumPy", factory)):
        for dtype in ("float64", "float32"):
            worst, where, passed = 0.0, "", True
            for seed, directory in enumerate(directories):
                report = check(directory, implementation, dtype=dtype)
                passed &= report.ok
                for case in report.cases:
                    for t in case.tensors:
                        if t.ratio > worst:
                            worst, where = t.ratio, f"seed {seed}, {case.name} {t.name}"
            print(f"| {label} | {dtype} | {'all' if passed else 'NOT all'} | {worst:.2g} | {where} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="export seeds 0 .. N-1 (default %(default)s)")
    parser.add_argument("--correct", action="store_true", help="the correct implementations' margins instead")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", RuntimeWarning)            # the buggy code's own overflow warnings
    directories = []
    for seed in range(args.seeds):
        directories.append(tempfile.mkdtemp(prefix=f"fixtures-{seed}-"))
        export(directories[-1], seed=seed)
    if args.correct:
        return correct(directories)
    print("| bug | caught float64 | caught float32 | smallest margin f64 / f32 | cases that fail (seed 0) "
          "| report (seed 0, float64) | hint |")
    print("|---|---|---|---|---|---|---|")
    for bug in BUGS:
        row, lines = [bug.what], None
        margins = []
        for dtype in ("float64", "float32"):
            caught, smallest, crash = 0, float("inf"), False
            for seed, directory in enumerate(directories):
                report = check(directory, buggy_factory(bug.name), cases=list(bug.cases), dtype=dtype)
                caught += report.failed > 0
                ratio, crashed = margin(report)
                crash |= crashed and ratio == 0
                smallest = min(smallest, ratio)
                if seed == 0 and dtype == "float64":
                    lines = first_lines(report)
                    failing = [c.name for c in report.cases if c.status == "failed"]
            row.append(f"{caught}/{len(directories)}")
            margins.append("crash/shape" if crash else f"{smallest:.0e}")
        row.append(" / ".join(margins))
        row.append(f"{len(failing)}: {', '.join(failing[:2])}{', ...' if len(failing) > 2 else ''}")
        row += [lines[0], lines[1]]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
