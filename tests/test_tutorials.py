"""The learning path: every notebook runs (small-step setting), shows what it stored, links the
library's lines as they are now, and the READMEs list the notebooks in order."""
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("[0-9][0-9]_*.ipynb"))


def runner():
    spec = importlib.util.spec_from_file_location("tutorials_run", TUTORIALS / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_five_to_seven_tutorials():
    assert 5 <= len(NOTEBOOKS) <= 7


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_the_quick_setting(notebook):
    """Run in a fresh interpreter, as a kernel would; --check also fails on a stale line link."""
    done = subprocess.run([sys.executable, str(TUTORIALS / "run.py"), "--quick", "--check", notebook.name],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebook_shows_every_cell_run_in_order_with_pictures(notebook):
    cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in cells] == list(range(1, len(cells) + 1))
    outputs = [o for c in cells for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert not [o for o in outputs if "Traceback" in "".join(o.get("text", []))]
    assert any("image/png" in o.get("data", {}) for o in outputs)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_library_links_land_on_their_definitions(notebook):
    run = runner()
    text = "".join("".join(c["source"]) for c in json.loads(notebook.read_text())["cells"])
    assert run.LINK.search(text), "link the file and line that does the work"
    assert run.fix_links(text, notebook)[1] == []


def test_each_notebook_links_to_the_next():
    for this, following in zip(NOTEBOOKS, NOTEBOOKS[1:]):
        assert f"]({following.name})" in this.read_text(), f"{this.name} does not link {following.name}"


def test_the_readmes_list_the_notebooks_in_order():
    index = (TUTORIALS / "README.md").read_text()
    positions = [index.find(f"]({n.name})") for n in NOTEBOOKS]
    assert -1 not in positions and positions == sorted(positions)
    assert "](tutorials/README.md)" in (ROOT / "README.md").read_text()


def test_runner_stores_prints_values_and_figures_and_names_a_failing_cell(tmp_path):
    run = runner()

    def notebook(*sources):
        path = tmp_path / "t.ipynb"
        path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": s, "outputs": [],
                                               "execution_count": None, "metadata": {}} for s in sources],
                                    "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
        return path

    path = notebook("x = 2\nprint('x is', x)", "x + 1", "x + 1;",
                    "import matplotlib.pyplot as plt\nplt.plot([0, 1]);")
    run.run_notebook(path)
    cells = json.loads(path.read_text())["cells"]
    assert cells[0]["outputs"][0]["text"] == ["x is 2\n"]
    assert cells[1]["outputs"][0]["data"]["text/plain"] == ["3"]
    assert cells[2]["outputs"] == []
    assert "image/png" in cells[3]["outputs"][0]["data"]
    with pytest.raises(run.CellError, match=r"cell 2 raised:(.|\n)*ZeroDivisionError"):
        run.run_notebook(notebook("y = 1", "y / 0"), write=False)


def test_runner_rewrites_a_stale_line_link(tmp_path):
    run = runner()
    text = "see [`Dense.backward`](../minigan/nn/dense.py#L1)"
    fixed, stale = run.fix_links(text, TUTORIALS / "x.ipynb")
    line = int(re.search(r"#L(\d+)", fixed)[1])
    assert stale and "def backward" in (ROOT / "minigan/nn/dense.py").read_text().splitlines()[line - 1]
