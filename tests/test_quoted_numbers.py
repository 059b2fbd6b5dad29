"""Numbers the README and the demos' docstrings quote agree with the records they come from."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def text(path):
    return (ROOT / path).read_text()


@pytest.mark.parametrize("path, pattern", [("README.md", r"shipped: ([\d.]+)% test accuracy"),
                                           ("demos/train_classifier.py", r"shipped weights reached ([\d.]+)% test accuracy")])
def test_the_shipped_classifiers_quoted_accuracy_is_its_recorded_one(path, pattern):
    recorded = json.loads(text("minigan/pretrained/fashion_classifier.json"))["test_accuracy"]
    quoted = re.search(pattern, text(path))
    assert quoted and float(quoted[1]) == round(100 * recorded, 1)


def test_toy_2d_docstring_quotes_the_measured_plain_ring_seed_0():
    row = re.search(r"^\| ring of 8 \| `--dataset ring` \(plain GAN\) \| (\d+),", text("docs/results/toy.md"), re.M)
    quoted = re.search(r"plain GAN: seed 0 fills (\d+) modes of 8", text("demos/toy_2d.py"))
    assert row and quoted and quoted[1] == row[1]


def test_every_page_the_docs_and_demos_point_to_exists():
    for path in ["README.md", *map(str, ROOT.glob("demos/*.py")), *map(str, ROOT.glob("docs/results/*.md"))]:
        for page in re.findall(r"(docs/[\w/.-]+\.(?:md|png))", text(path)):
            assert (ROOT / page).is_file(), f"{path} points to {page}"
