"""docs/reference.md's walkthrough works as written: its my_gan.py passes the fixtures in float64
and in float32, its check_layer and pytest snippets run, and the README's check_layer takes a
plain object."""
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from minigan.reference import check
from tests.reference.test_testing import run_pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "reference.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", DOC, flags=re.S)


def block(first_line):
    return next(b for b in BLOCKS if b.startswith(first_line))


@pytest.fixture
def my_gan(tmp_path, monkeypatch):
    (tmp_path / "my_gan.py").write_text(block("# my_gan.py"))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    sys.modules.pop("my_gan", None)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_walkthrough_implementation_passes_in_both_dtypes(my_gan, fixtures, dtype):
    report = check(fixtures, "my_gan:factory", dtype=dtype)
    assert report.summary() == "7 passed, 0 failed, 83 skipped"
    assert f"{report.passed} passed, {report.failed} failed, {report.skipped} skipped" in DOC


def test_the_check_layer_snippet_runs(my_gan, capsys):
    exec(block("import numpy as np\nfrom minigan.gradcheck import check_layer"), {})
    assert capsys.readouterr().out.startswith("gradient check passed")


def test_the_pytest_snippet_runs(my_gan):
    (my_gan / "test_against_minigan.py").write_text(block("# test_against_minigan.py"))
    status, out = run_pytest(my_gan, "-q", "test_against_minigan.py")
    assert status == 0 and "14 passed, 166 skipped" in out, out


def test_the_readme_check_layer_takes_a_plain_object(my_gan, rng):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Check your own layer"):readme.index("## Where to go next")]
    snippet = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    from my_gan import Dense
    my_layer = Dense(4, 2)
    my_layer.params["weight"] = rng.standard_normal((2, 4))
    namespace = {"my_layer": my_layer, "x": rng.standard_normal((3, 4))}
    exec(snippet, namespace)
    assert namespace["report"].ok and [c.name for c in namespace["report"].checks] == ["input", "weight", "bias"]
    np.testing.assert_array_equal(my_layer.params["bias"], np.zeros(2))
