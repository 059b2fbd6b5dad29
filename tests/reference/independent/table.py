"""The planted-bug table of docs/reference.md: each bug checked under fixtures of several export
seeds, in float64 and at the float32 preset.

    python -m tests.reference.independent.table --seeds 10

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
    for case in report.cases:
        if case.status != "failed":
            continue
        text = str(case)
        fail = next((line.strip() for line in text.splitlines()[1:] if line.strip().startswith(("FAIL", "error"))), "")
        hint = next((line.strip()[len("hint: "):] for line in text.splitlines() if line.strip().startswith("hint:")),
                    "")
        return re.sub(r" {2,}", " ", fail), hint
    return "", ""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="export seeds 0 .. N-1 (default %(default)s)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", RuntimeWarning)            # the buggy code's own overflow warnings
    directories = []
    for seed in range(args.seeds):
        directories.append(tempfile.mkdtemp(prefix=f"fixtures-{seed}-"))
        export(directories[-1], seed=seed)
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
        row += [f"`{lines[0][:110]}`", lines[1][:120]]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
