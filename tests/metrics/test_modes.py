"""Tests for minigan.metrics.modes; expected values are derived from the definitions, not from runs."""
import json
import math

import numpy as np
import pytest

from minigan.backend import device_of, to_device, to_numpy
from minigan.data.toy import Grid, Ring
from minigan.metrics.modes import NUM_SAMPLES, evaluate_modes, mode_metrics, nearest_mode, reverse_kl_to_uniform
from tests.fake_device import fake_cuda

# |x - mu| / sigma of a true 2-D sample is chi with 2 dof: P(< 3) = 1 - exp(-9/2).
TRUE_HQ = 1 - math.exp(-4.5)
HQ_SIGMA = math.sqrt(TRUE_HQ * (1 - TRUE_HQ) / NUM_SAMPLES)


@pytest.mark.parametrize("toy", [Ring(), Grid()])
def test_true_samples_score_every_mode(toy):
    report = evaluate_modes(lambda n: toy.sample(n, 0), toy)
    assert report.num_modes == len(toy.modes)
    assert report.modes_captured == len(toy.modes)
    assert abs(report.high_quality_fraction - TRUE_HQ) < 4 * HQ_SIGMA
    assert report.high_quality_fraction > 0.98
    assert report.counts.sum() == round(report.high_quality_fraction * NUM_SAMPLES)
    # multinomial noise alone gives about (K - 1) / (2 N): 0.0014 for 8 modes, 0.005 for 25
    assert 0 <= report.reverse_kl < 0.02


def test_evaluate_modes_draws_the_default_number():
    asked = []
    evaluate_modes(lambda n: asked.append(n) or Ring().sample(n, 0), Ring())
    assert asked == [2500]


def test_collapsed_sample_scores_one_mode_and_log_k():
    ring = Ring()
    samples = np.repeat(ring.modes[3:4], 500, axis=0)
    report = mode_metrics(samples, ring.modes, ring.std)
    # p = (0, 0, 0, 1, 0, 0, 0, 0): KL(p || u) = 1 * log(1 / (1/8)) = log 8
    assert report.modes_captured == 1
    assert report.high_quality_fraction == 1.0
    assert report.reverse_kl == pytest.approx(math.log(8), abs=1e-12)
    assert report.counts.tolist() == [0, 0, 0, 500, 0, 0, 0, 0]


def test_half_the_modes_uniformly_gives_log_2():
    ring = Ring()
    samples = np.repeat(ring.modes[::2], 10, axis=0)
    report = mode_metrics(samples, ring.modes, ring.std)
    # p_k = 1/4 on 4 modes: sum 1/4 log((1/4) / (1/8)) = log 2
    assert report.modes_captured == 4
    assert report.reverse_kl == pytest.approx(math.log(2), abs=1e-12)


def test_points_far_from_every_mode_are_not_high_quality():
    ring = Ring()
    samples = np.array([[0.0, 0.0], [10.0, 10.0], [1.0, 0.0], [2.0, 0.5]])  # >= 12 std from every mode
    report = mode_metrics(samples, ring.modes, ring.std)
    assert report.high_quality_fraction == 0.0
    assert report.modes_captured == 0
    assert report.counts.tolist() == [0] * 8
    assert math.isnan(report.reverse_kl)
    assert report.to_dict()["reverse_kl"] is None


@pytest.mark.parametrize("direction", [(1.0, 0.0), (0.0, -1.0), (0.6, 0.8)])
def test_three_std_boundary(direction):
    ring = Ring()
    mode, step = ring.modes[1], ring.std * np.asarray(direction)
    inside = mode_metrics((mode + 2.9 * step)[None], ring.modes, ring.std)
    outside = mode_metrics((mode + 3.1 * step)[None], ring.modes, ring.std)
    assert inside.high_quality_fraction == 1.0 and inside.counts[1] == 1
    assert outside.high_quality_fraction == 0.0 and outside.modes_captured == 0


def test_points_go_to_their_nearest_mode():
    ring = Ring()
    samples = np.concatenate([np.repeat(ring.modes[:1], 3, 0), np.repeat(ring.modes[5:6], 1, 0)])
    assert mode_metrics(samples, ring.modes, ring.std).counts.tolist() == [3, 0, 0, 0, 0, 1, 0, 0]


def test_min_count_variant():
    ring = Ring()
    samples = np.concatenate([np.repeat(ring.modes[:1], 5, 0), ring.modes[1:2]])
    assert mode_metrics(samples, ring.modes, ring.std).modes_captured == 2
    assert mode_metrics(samples, ring.modes, ring.std, min_count=2).modes_captured == 1
    assert mode_metrics(samples, ring.modes, ring.std, min_count=6).modes_captured == 0


def test_reverse_kl_of_uniform_counts_is_zero():
    assert reverse_kl_to_uniform([7, 7, 7, 7]) == pytest.approx(0.0, abs=1e-15)
    # p = (3/4, 1/4, 0, 0): 3/4 log 3 + 1/4 log 1 = 0.75 log 3
    assert reverse_kl_to_uniform([3, 1, 0, 0]) == pytest.approx(0.75 * math.log(3))


def test_same_seed_same_report():
    ring = Ring()
    a = evaluate_modes(lambda n: ring.sample(n, 7), ring).to_dict()
    b = evaluate_modes(lambda n: ring.sample(n, np.random.default_rng(7)), ring).to_dict()
    assert a == b


def test_to_dict_is_json():
    ring = Ring()
    d = mode_metrics(ring.sample(100, 0), ring.modes, ring.std).to_dict()
    assert set(d) == {"modes_captured", "num_modes", "high_quality_fraction", "reverse_kl", "counts"}
    assert json.loads(json.dumps(d)) == d
    assert isinstance(d["counts"], list) and len(d["counts"]) == 8


def test_shape_mismatch_raises():
    with pytest.raises(ValueError):
        mode_metrics(np.zeros((5, 3)), Ring().modes, 0.02)


def test_device_samples_modes_and_counts_are_scored_on_the_host():
    ring = Ring()
    samples = np.concatenate([np.repeat(ring.modes[:1], 3, 0), ring.modes[5:6]])
    expected = mode_metrics(samples, ring.modes, ring.std).to_dict()
    with fake_cuda():
        report = mode_metrics(to_device(samples, "cuda"), to_device(ring.modes, "cuda"), ring.std)
        assert report.to_dict() == expected
        assert reverse_kl_to_uniform(to_device(np.array([3, 1, 0, 0]), "cuda")) == pytest.approx(0.75 * math.log(3))
        index, dist = nearest_mode(to_device(samples, "cuda"), to_device(ring.modes, "cuda"))
        assert device_of(index) == device_of(dist) == "cuda"
        np.testing.assert_array_equal(to_numpy(index), [0, 0, 0, 5])
        np.testing.assert_allclose(to_numpy(dist), 0.0, atol=1e-12)
