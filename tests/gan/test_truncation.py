"""The truncation trick's draw: inside the bounds, the plain draw where nothing is cut, and the
variance of a truncated normal."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan.gan.truncation import truncated_normal
from tests.strategies import seeds


@given(seed=seeds, threshold=st.floats(0.01, 4.0))
def test_every_component_lies_inside_and_the_ones_inside_keep_their_values(seed, threshold):
    z = truncated_normal(np.random.default_rng(seed), (64, 7), threshold)
    plain = np.random.default_rng(seed).standard_normal((64, 7))
    assert z.shape == (64, 7) and z.dtype == np.float64
    assert np.abs(z).max() <= threshold
    inside = np.abs(plain) <= threshold
    np.testing.assert_array_equal(z[inside], plain[inside])


def test_no_threshold_is_the_plain_draw():
    np.testing.assert_array_equal(truncated_normal(np.random.default_rng(3), (5, 4), None),
                                  np.random.default_rng(3).standard_normal((5, 4)))


@pytest.mark.parametrize("threshold", [0.5, 1.0, 2.0])
def test_variance_is_that_of_a_truncated_normal(threshold):
    phi = math.exp(-threshold ** 2 / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(threshold / math.sqrt(2))                   # 2 Phi(t) - 1
    expected = 1 - 2 * threshold * phi / mass
    z = truncated_normal(np.random.default_rng(0), (200_000,), threshold)
    assert abs(z.mean()) < 0.01
    assert z.var() == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize("threshold", [0.0, -1.0, float("nan"), 1e-6])
def test_a_threshold_below_the_floor_is_refused(threshold):
    with pytest.raises(ValueError, match="at least 0.01"):
        truncated_normal(np.random.default_rng(0), (3,), threshold)
