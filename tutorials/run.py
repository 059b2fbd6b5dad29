"""Run the tutorials' notebooks top to bottom and store what they print and draw.

    python tutorials/run.py                      # every notebook, outputs written back into the files
    python tutorials/run.py 03_one_d_game.ipynb  # one notebook
    python tutorials/run.py --quick --check      # CI: the small-step setting, nothing written

A small stand-in for ``jupyter nbconvert --execute`` so that the test suite needs no Jupyter:
each code cell runs in one shared namespace, in order, as a kernel would run it. What a cell
prints, the value of its last expression (unless the cell ends with ';') and every matplotlib figure it leaves open become the
cell's outputs (PNG images, so the notebooks show their pictures wherever they are browsed), and
the figures are then closed. A cell that raises stops the run with the notebook, the cell's
number and its traceback.

``--quick`` sets MINIGAN_QUICK=1, which the notebooks read to train for fewer steps.

Links into the library are written ``[`Dense.backward`](../minigan/nn/dense.py#L63)``: the
runner looks the name up in that file (a class, a function or Class.method) and rewrites the
line number, so a link always lands on the line that does the work; ``--check`` fails instead
when a line number is stale.
"""
import argparse
import ast
import base64
import contextlib
import io
import json
import os
import re
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LINK = re.compile(r"\[`(?P<name>[\w.]+)`\]\((?P<path>\.\./[\w/.]+\.py)#L(?P<line>\d+)\)")


def notebooks(names=()):
    """The tutorials' notebooks in reading order, or the ones named."""
    if names:
        return [Path(n) if Path(n).exists() else HERE / n for n in names]
    return sorted(HERE.glob("[0-9][0-9]_*.ipynb"))


def definition_line(path, name):
    """The line where ``name`` (a class, a function or Class.method) is defined in ``path``."""
    scope = ast.parse(Path(path).read_text()).body
    node = None
    for part in name.split("."):
        node = next((n for n in scope if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name == part), None)
        if node is None:
            raise LookupError(f"{name} is not defined in {path}")
        scope = node.body
    return node.lineno


def fix_links(text, notebook):
    """``text`` with each link's line number set to its definition; and the links that were stale."""
    stale = []

    def replace(match):
        line = definition_line(notebook.parent / match["path"], match["name"])
        if line != int(match["line"]):
            stale.append(f"{match['name']} in {match['path']}: #L{match['line']}, defined at line {line}")
        return f"[`{match['name']}`]({match['path']}#L{line})"

    return LINK.sub(replace, text), stale


def figure_outputs():
    """Every open matplotlib figure as a display_data output, then closed."""
    import matplotlib.pyplot as plt
    outputs = []
    for number in plt.get_fignums():
        figure = plt.figure(number)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
        outputs.append({"output_type": "display_data", "metadata": {},
                        "data": {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
                                 "text/plain": [f"<Figure of {len(figure.axes)} axes>"]}})
    plt.close("all")
    return outputs


def stream(name, text):
    return {"output_type": "stream", "name": name, "text": text.splitlines(keepends=True)}


class CellError(Exception):
    pass


def run_cell(source, namespace, label):
    """Execute one cell; return its outputs (stdout, stderr, last value, figures) in Jupyter's format."""
    tree = ast.parse(source, filename=label)
    shown = not source.rstrip().endswith(";")          # as in Jupyter, a final ';' hides the value
    last = tree.body.pop() if shown and tree.body and isinstance(tree.body[-1], ast.Expr) else None
    stdout, stderr, value = io.StringIO(), io.StringIO(), None
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            exec(compile(tree, label, "exec"), namespace)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), label, "eval"), namespace)
        except Exception:
            raise CellError(f"{label} raised:\n{traceback.format_exc()}") from None
    outputs = [stream(name, buffer.getvalue()) for name, buffer in (("stdout", stdout), ("stderr", stderr))
               if buffer.getvalue()]
    if value is not None:
        outputs.append({"output_type": "execute_result", "metadata": {}, "execution_count": None,
                        "data": {"text/plain": repr(value).splitlines(keepends=True)}})
    return outputs + figure_outputs()


def run_notebook(path, write=True):
    """Run every code cell of the notebook at ``path``; return (seconds, stale links)."""
    import matplotlib
    matplotlib.use("Agg")
    notebook = json.loads(path.read_text())
    namespace = {"__name__": "__main__"}
    stale, start, count = [], time.perf_counter(), 0
    cwd = os.getcwd()
    os.chdir(path.parent)             # as Jupyter does: relative paths start at the notebook
    sys.path.insert(0, str(ROOT))
    try:
        for index, cell in enumerate(notebook["cells"], 1):
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                fixed, found = fix_links(source, path)
                stale += found
                cell["source"] = fixed.splitlines(keepends=True)
            elif cell["cell_type"] == "code":
                count += 1
                cell["outputs"] = run_cell(source, namespace, f"{path.name}, cell {index}")
                cell["execution_count"] = count
                for output in cell["outputs"]:
                    if output["output_type"] == "execute_result":
                        output["execution_count"] = count
    finally:
        os.chdir(cwd)
        sys.path.remove(str(ROOT))
    if write:
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return time.perf_counter() - start, stale


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: all, in order)")
    parser.add_argument("--quick", action="store_true", help="the small-step setting (MINIGAN_QUICK=1)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; fail on a cell that raises or a stale line link")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import minigan.blas
    minigan.blas.configure(threads=1)     # before NumPy loads: the tutorials' small products gain nothing from more
    if args.quick:
        os.environ["MINIGAN_QUICK"] = "1"
    failed = False
    for path in notebooks(args.notebooks):
        if not path.exists():
            parser.error(f"no notebook {path}")
        try:
            seconds, stale = run_notebook(path, write=not args.check)
        except CellError as error:
            print(error, file=sys.stderr)
            failed = True
            continue
        for link in stale:
            print(f"{path.name}: stale link {link}", file=sys.stderr)
        failed |= bool(stale) and args.check
        print(f"{path.name}: {seconds:.1f} s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
