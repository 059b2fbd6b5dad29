"""fixture_tests turns the fixtures into one pytest test per case in an implementer's suite."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_pytest(directory, *args):
    """pytest on an implementer's directory, in its own process; (exit status, output)."""
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=directory,
                            capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return result.returncode, result.stdout + result.stderr

SUITE = '''
from minigan import nn
from minigan.reference.adapters import factory as minigan_factory
from minigan.reference.testing import fixture_tests


class HalfBias(nn.Dense):
    def backward(self, dy):
        dx = super().backward(dy)
        if "bias" in self.grads:
            self.grads["bias"] /= 2
        return dx


def factory(kind, config):
    if kind == "Dense":
        return HalfBias(**config["args"], dtype="float64")
    if kind == "Tanh":
        raise NotImplementedError("no Tanh")
    return minigan_factory(kind, config)


test_float64 = fixture_tests(factory, DIRECTORY, cases=["Dense/*", "Tanh/*", "ReLU/*"])
test_float32 = fixture_tests(minigan_factory, dtype="float32", cases=["Conv2d/k3-s1-p1"])
'''


def test_one_test_per_case_with_the_report_on_failure(fixtures, tmp_path):
    (tmp_path / "test_mine.py").write_text(SUITE.replace("DIRECTORY", repr(str(fixtures))))
    status, out = run_pytest(tmp_path, "-q", "-rs")
    assert status == 1 and "2 failed, 5 passed, 1 skipped" in out, out
    for text in ("test_float64[Dense/bias]", "FAIL grad/bias", "hint: actual = 0.5 x expected",
                 "pins: weight (out, in)", "tolerances (float64)", "not implemented: no Tanh"):
        assert text in out, text
    assert "FAILED test_mine.py::test_float64[Dense/no-bias]" not in out
