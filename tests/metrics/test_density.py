"""Tests for minigan.metrics.density (1-D histogram KL and fitted moments)."""
import numpy as np
import pytest

from minigan.data.toy import Bimodal, Gaussian
from minigan.metrics.density import density_metrics, fit_normal, histogram_kl, shared_histograms


def test_kl_of_a_sample_with_itself_is_zero():
    x = Gaussian().sample(2000, 0)
    assert histogram_kl(x, x) == pytest.approx(0.0, abs=1e-12)


def test_kl_of_two_samples_of_one_distribution_is_small():
    toy = Gaussian()
    assert 0 <= histogram_kl(toy.sample(20000, 1), toy.sample(20000, 2)) < 0.02


def test_kl_grows_with_the_shift():
    # KL(N(0,1) || N(d,1)) = d^2 / 2: 0.125, 0.5, 2 for d = 0.5, 1, 2
    data = Gaussian().sample(20000, 0)
    kls = [histogram_kl(data, Gaussian(mean=d).sample(20000, 1)) for d in (0.5, 1.0, 2.0)]
    assert kls[0] < kls[1] < kls[2]
    assert kls[1] == pytest.approx(0.5, abs=0.1)


def test_collapse_to_one_mode_costs_about_log_2_or_more():
    data = Bimodal().sample(10000, 0)
    collapsed = Gaussian(mean=2.0, std=0.5).sample(10000, 1)
    # half the data mass sits in bins where q ~ eps, so the KL is far above log 2
    assert histogram_kl(data, collapsed) > np.log(2)


def test_histograms_are_smoothed_probabilities():
    p, q, edges = shared_histograms([0.0, 0.0, 1.0], [5.0], bins=10, eps=1e-6)
    assert p.shape == q.shape == (10,) and edges.shape == (11,)
    assert p.sum() == pytest.approx(1.0) and q.sum() == pytest.approx(1.0)
    assert edges[0] == 0.0 and edges[-1] == 5.0
    assert q.min() == pytest.approx(1e-6 / (1 + 10e-6))


def test_fitted_moments():
    mean, std = fit_normal(Gaussian(mean=-1.0, std=2.0).sample(20000, 0))
    assert mean == pytest.approx(-1.0, abs=0.05) and std == pytest.approx(2.0, abs=0.05)


def test_density_metrics_dict():
    data, generated = Gaussian().sample(5000, 0), Gaussian(mean=1.0, std=0.5).sample(5000, 1)
    m = density_metrics(data, generated)
    assert set(m) == {"histogram_kl", "mean", "std", "data_mean", "data_std"}
    assert m["mean"] == pytest.approx(1.0, abs=0.05) and m["std"] == pytest.approx(0.5, abs=0.05)
    assert m["data_mean"] == pytest.approx(0.0, abs=0.05) and m["histogram_kl"] > 0.3
    assert all(isinstance(v, float) for v in m.values())


def test_accepts_n_by_1_and_flat_the_same():
    x, y = Gaussian().sample(500, 0), Gaussian(0.3).sample(500, 1)
    assert histogram_kl(x, y) == histogram_kl(x[:, 0], y[:, 0])


def test_two_dimensional_input_raises():
    with pytest.raises(ValueError):
        histogram_kl(np.zeros((10, 2)), np.zeros((10, 2)))
