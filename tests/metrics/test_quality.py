import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan.metrics.quality import class_histogram, classifier_score, frechet_distance, gaussian_stats
from tests.strategies import seeds


def test_frechet_distance_of_a_set_with_itself_is_zero(rng):
    f = rng.standard_normal((500, 8))
    assert abs(frechet_distance(gaussian_stats(f), gaussian_stats(f))) < 1e-8


def test_frechet_distance_of_shifted_mean_is_the_squared_shift(rng):
    f = rng.standard_normal((400, 5))
    shift = np.array([3.0, 0, 0, 4.0, 0])
    assert frechet_distance(gaussian_stats(f), gaussian_stats(f + shift)) == pytest.approx(25.0, rel=1e-9)


@given(seeds, st.integers(1, 6))
def test_frechet_distance_matches_the_closed_form_for_diagonal_covariances(seed, d):
    """For diagonal S_1, S_2 the trace term is sum (s1 + s2 - 2 sqrt(s1 s2)) = sum (sqrt s1 - sqrt s2)^2."""
    rng = np.random.default_rng(seed)
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    s1, s2 = rng.uniform(0.1, 3, d), rng.uniform(0.1, 3, d)
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(s1) - np.sqrt(s2)) ** 2).sum()
    assert frechet_distance((mu1, np.diag(s1)), (mu2, np.diag(s2))) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_frechet_distance_is_symmetric_for_full_covariances(rng):
    a, b = rng.standard_normal((300, 4)) @ rng.standard_normal((4, 4)), rng.standard_normal((300, 4))
    sa, sb = gaussian_stats(a), gaussian_stats(b)
    assert frechet_distance(sa, sb) == pytest.approx(frechet_distance(sb, sa), rel=1e-8)
    assert frechet_distance(sa, sb) > 0


def test_classifier_score_limits():
    confident_uniform = np.eye(10)[np.arange(1000) % 10]
    assert classifier_score(confident_uniform) == pytest.approx(10.0, rel=1e-6)
    one_class = np.tile(np.eye(10)[3], (100, 1))
    assert classifier_score(one_class) == pytest.approx(1.0, rel=1e-6)
    unsure = np.full((100, 10), 0.1)
    assert classifier_score(unsure) == pytest.approx(1.0, rel=1e-9)


def test_class_histogram_counts_argmax():
    probs = np.array([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0, 0, 1.0]])
    np.testing.assert_allclose(class_histogram(probs), [0.5, 0.25, 0.25])
