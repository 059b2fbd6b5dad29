import numpy as np
import pytest

from minigan import nn
from minigan.gradcheck import check_function, check_layer


class WrongBiasGrad(nn.Dense):
    """A deliberately broken layer: the bias gradient is off by a factor of two."""

    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["bias"] += dy.sum(axis=0)
        return dx


def test_correct_layer_passes_and_report_lists_every_tensor(rng):
    report = check_layer(nn.Dense(3, 2, rng=0), rng.standard_normal((4, 3)))
    assert report.ok and [c.name for c in report.checks] == ["input", "weight", "bias"]
    assert report.max_rel_error < 1e-6


def test_broken_layer_fails_and_points_at_the_wrong_tensor(rng):
    report = check_layer(WrongBiasGrad(3, 2, rng=0), rng.standard_normal((4, 3)))
    assert not report.ok
    failed = [c for c in report.checks if not c.ok]
    assert [c.name for c in failed] == ["bias"]
    assert failed[0].analytic == pytest.approx(2 * failed[0].numeric, rel=1e-6)
    assert "FAIL bias" in str(report)


def test_check_layer_restores_the_layer(rng):
    layer = nn.BatchNorm1d(3)
    before = {k: v.copy() for k, v in layer.state_dict().items()}
    check_layer(layer, rng.standard_normal((5, 3)))
    for k, v in layer.state_dict().items():
        assert v.dtype == np.float32
        np.testing.assert_array_equal(v, before[k])


def test_max_elements_samples_a_subset(rng):
    report = check_layer(nn.Dense(20, 20, rng=0), rng.standard_normal((3, 20)), max_elements=10)
    assert report.ok


def test_check_function_catches_a_wrong_derivative(rng):
    x = rng.standard_normal(5)
    assert check_function(np.sin, lambda dy: dy * np.cos(x), x).ok
    assert not check_function(np.sin, lambda dy: dy * np.cos(x) * 1.01, x).ok
