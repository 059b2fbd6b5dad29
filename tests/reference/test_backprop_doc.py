"""docs/backprop.md quotes minigan's code: every quoted line must still be a line of the file it names."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "backprop.md"


def quotes():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    for block in blocks:
        first, *lines = block.splitlines()
        if first.startswith("# minigan/"):
            yield first[2:], [line for line in lines if line.strip()]


QUOTES = list(quotes())


def test_the_doc_quotes_every_layer_file():
    files = {path for path, _ in QUOTES}
    layers = {f"minigan/nn/{p.name}" for p in (ROOT / "minigan" / "nn").glob("*.py")}
    # Files with no backward pass of their own: the exports and the input checks.
    assert layers - files <= {"minigan/nn/__init__.py", "minigan/nn/validation.py"}


@pytest.mark.parametrize("path, lines", QUOTES, ids=[f"{p}:{i}" for i, (p, _) in enumerate(QUOTES)])
def test_quoted_lines_exist_in_the_file(path, lines):
    source = {line.strip() for line in (ROOT / path).read_text().splitlines()}
    missing = [line.strip() for line in lines if line.strip() not in source]
    assert not missing, f"docs/backprop.md quotes lines that are no longer in {path}: {missing}"
