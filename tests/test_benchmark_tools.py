"""Statistics in the benchmark scripts that results in docs/ rest on."""
import importlib.util
import itertools
import math
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def compare_groups():
    spec = importlib.util.spec_from_file_location("compare_fashion", BENCHMARKS / "compare_fashion.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.compare_groups


def test_fully_separated_groups_get_the_smallest_permutation_p(compare_groups):
    """Three runs each, every one of A below every one of B: only that split and its mirror image
    are as extreme, 2 of the C(6, 3) = 20 splits."""
    difference, t, p = compare_groups([1.0, 2.0, 3.0], [4.0, 5.0, 6.5])
    assert difference == pytest.approx(2.0 - 31 / 6)
    assert t < 0 and p == pytest.approx(2 / 20)


def test_welch_t_matches_its_formula_and_p_counts_splits(compare_groups):
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 5), rng.normal(0.3, 2, 4)
    difference, t, p = compare_groups(a, b)
    assert t == pytest.approx((a.mean() - b.mean()) / math.sqrt(a.var(ddof=1) / 5 + b.var(ddof=1) / 4))
    pooled = np.concatenate([a, b])
    count = sum(abs(pooled[list(i)].mean() - np.delete(pooled, list(i)).mean()) >= abs(difference) - 1e-12
                for i in itertools.combinations(range(9), 5))
    assert p == pytest.approx(count / math.comb(9, 5))


def test_identical_groups_are_not_different(compare_groups):
    difference, t, p = compare_groups([3.0, 5.0], [5.0, 3.0])
    assert difference == 0 and t == 0 and p == 1.0
