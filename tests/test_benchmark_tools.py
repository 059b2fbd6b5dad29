"""Statistics in the benchmark scripts that results in docs/ rest on, and what bench_layers.py times."""
import importlib.util
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


def test_a_small_case_counted_by_hand(compare_groups):
    """a = (1, 3), b = (2, 4, 6): means 2 and 4, variances 2 and 4, so t = -2 / sqrt(2/2 + 4/3).
    Of the 10 pairs taken from {1, 2, 3, 4, 6} as group a, four have a difference of means of 2
    or more in size: (1, 2) -2.83, (1, 3) -2, (3, 6) 2.17, (4, 6) 3."""
    difference, t, p = compare_groups([1.0, 3.0], [2.0, 4.0, 6.0])
    assert difference == pytest.approx(-2.0)
    assert t == pytest.approx(-2 / math.sqrt(7 / 3))
    assert p == pytest.approx(4 / 10)


def test_many_runs_sample_the_splits(compare_groups):
    """Past ``exact_limit`` splits the p-value is estimated from random splits; a clear
    difference still gives a small one, and groups from one distribution a large one."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 15), rng.normal(3, 1, 15)                # C(30, 15) = 1.6e8 splits
    assert compare_groups(a, b, exact_limit=2000)[2] < 0.01
    assert compare_groups(a, rng.normal(0, 1, 15), exact_limit=2000)[2] > 0.05


def test_groups_without_spread(compare_groups):
    assert compare_groups([3.0, 3.0], [3.0, 3.0])[:2] == (0.0, 0.0)
    assert compare_groups([3.0, 3.0], [5.0, 5.0])[1] == -math.inf
    difference, t, p = compare_groups([3.0, 5.0], [5.0, 3.0])
    assert difference == 0 and t == 0 and p == 1.0


def test_bench_layers_feeds_each_layer_what_a_training_step_does(monkeypatch):
    """benchmarks/bench_layers.py times every DCGAN layer on the input and output gradient it saw
    in a real step: all of G's and D's layers, shapes that fit, and the fast paths' layouts
    (D's second convolution gets a channels-last view from the first)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("bench_layers", BENCHMARKS / "bench_layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seen = module.captured_step(batch=4)
    assert {tag for tag, _ in seen} == {"G", "D"} and len(seen) == 9 + 7
    for (tag, i), (layer, x, dy) in seen.items():
        assert x is not None and dy is not None, (tag, i)
        assert tuple(dy.shape) == layer.output_shape(x.shape), (tag, i)
    x = seen[("D", 2)][1]
    assert x.shape == (4, 64, 14, 14) and x.strides[1] == x.itemsize    # channels-last memory


def test_bench_step_runs_from_a_checkout_where_minigan_is_not_installed():
    """The script puts its checkout on sys.path before it imports minigan: with the installed
    copy hidden (the editable install's finder removed), a short run still works."""
    import subprocess
    import sys
    code = ("import runpy, sys\n"
            "sys.meta_path = [f for f in sys.meta_path if 'Editable' not in type(f).__name__ + repr(f)]\n"
            "sys.modules.pop('minigan', None)\n"
            f"sys.argv = ['bench_step.py', '--model', 'mlp', '--batch', '8', '--repeats', '2', '--warmup', '0',\n"
            "            '--no-memory', '--only', 'minigan']\n"
            f"sys.path.insert(0, {str(BENCHMARKS)!r})\n"
            f"runpy.run_path({str(BENCHMARKS / 'bench_step.py')!r}, run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "mlp    minigan" in done.stdout
