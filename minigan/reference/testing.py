"""The fixtures as tests in an implementer's own pytest suite: one test per case.

    # test_against_minigan.py
    from minigan.reference.testing import fixture_tests
    from my_gan import factory

    test_float64 = fixture_tests(factory)
    test_float32 = fixture_tests(factory, dtype="float32", cases=["Conv2d/*", "loss/*"])

Each case is a test named by the case (``test_float64[Conv2d/k3-s1-p1]``); a failure shows
the case's report (tensors, errors, hints, the convention it pins), an unimplemented case is
skipped. Without ``directory`` the fixtures are exported once per process into a temporary
directory (``seed`` chooses them); with it, they are read from there. pytest is imported when a
test runs, so this module loads without it.
"""
import tempfile

from .cases import all_cases
from .check import check_entry, load_manifest, selected
from .export import DEFAULT_SEED, export
from .tolerances import preset

_EXPORTED = {}


def exported(seed=DEFAULT_SEED):
    """A directory holding the fixtures of ``seed``, exported once per process."""
    if seed not in _EXPORTED:
        directory = tempfile.mkdtemp(prefix=f"minigan-fixtures-{seed}-")
        export(directory, seed=seed)
        _EXPORTED[seed] = directory
    return _EXPORTED[seed]


def case_names(directory=None, cases=None):
    if directory is not None:
        return [e["name"] for e in selected(load_manifest(directory), cases)]
    entries = [{"name": c.name} for c in all_cases()]
    return [e["name"] for e in selected({"cases": entries}, cases)]


def fixture_tests(factory, directory=None, dtype="float64", cases=None, seed=DEFAULT_SEED, rtol=None, atol=None):
    """A pytest test function parametrised by case name; assign it to a ``test_...`` name."""
    import pytest
    default_rtol, default_atol = preset(dtype)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol

    @pytest.mark.parametrize("case", case_names(directory, cases))
    def test(case):
        where = directory if directory is not None else exported(seed)
        entry = next(e for e in load_manifest(where)["cases"] if e["name"] == case)
        result = check_entry(where, entry, factory, rtol, atol, dtype)
        if result.status == "skipped":
            pytest.skip(result.message)
        assert result.status == "passed", f"\n{result}\ntolerances ({dtype}): rtol {rtol:g}, atol {atol:g}"
    return test
