"""Every bug planted in the independent implementation (tests/reference/independent/bugs.py)
is caught under two exports, in float64 and at the float32 preset, with a FAIL line naming
the tensor (or the implementation's own line, for an exception) and the words of the likely
cause; the same implementation without the bug passes. ``python -m tests.reference.independent.table``
prints the table of docs/reference.md over more seeds."""
import re

import pytest

from minigan.reference import check
from tests.reference.independent import factory
from tests.reference.independent.bugs import BUGS, buggy_factory


@pytest.fixture(params=["fixtures", "fixtures_seed1"])
def exported(request):
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_correct_implementation_passes(exported, dtype):
    report = check(exported, factory, dtype=dtype)
    assert report.ok and report.passed >= 75, str(report)


def caught_with_margin(report):
    """The largest allowed-error ratio among the failing tensors (inf for errors and shapes)."""
    ratios = [t.ratio if t.note.startswith("|error|") else float("inf")
              for c in report.cases for t in c.failing]
    return max(ratios + [float("inf") if any(c.message.startswith("error") for c in report.cases) else 0.0])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("bug", BUGS, ids=[b.name for b in BUGS])
def test_the_planted_bug_is_caught_and_named(bug, dtype, exported):
    report = check(exported, buggy_factory(bug.name), cases=list(bug.cases), dtype=dtype)
    text = str(report)
    assert report.failed >= 1, text
    if bug.tensor == "error":
        assert re.search(r"error: \w+Error: .*\(at tests/reference/independent/bugs\.py:\d+ in \w+: ", text), text
    else:
        assert re.search(rf"^ +FAIL {re.escape(bug.tensor)} ", text, re.M), text
    assert bug.hint in text, text
    assert caught_with_margin(report) > 30, text
