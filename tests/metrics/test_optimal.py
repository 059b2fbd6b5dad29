"""minigan.metrics.optimal: D* and the Jensen-Shannon divergence against closed forms."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigan.data.toy import Bimodal, Gaussian
from minigan.metrics.optimal import (distance_from_optimal, jensen_shannon, jsd_lower_bound, optimal_discriminator,
                                     value_at_optimum)

XS = np.linspace(-12, 12, 24001)


def normal_pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


@given(st.floats(-2, 2), st.floats(0.3, 2), st.floats(-2, 2), st.floats(0.3, 2))
def test_optimal_discriminator_of_two_gaussians_is_the_sigmoid_of_their_log_ratio(m1, s1, m2, s2):
    """D* = 1 / (1 + p_g / p_data) = sigmoid(log p_data - log p_g), a quadratic in x for Gaussians."""
    x = np.linspace(-3, 3, 61)
    log_ratio = (np.log(s2 / s1) - 0.5 * ((x - m1) / s1) ** 2 + 0.5 * ((x - m2) / s2) ** 2)
    expected = 1 / (1 + np.exp(-log_ratio))
    np.testing.assert_allclose(optimal_discriminator(normal_pdf(x, m1, s1), normal_pdf(x, m2, s2)), expected,
                               rtol=1e-10, atol=1e-12)


def test_optimal_discriminator_where_only_one_density_lives():
    np.testing.assert_array_equal(optimal_discriminator([1.0, 0.0, 0.0, 2.0], [0.0, 3.0, 0.0, 2.0]),
                                  [1.0, 0.0, 0.5, 0.5])


def test_jsd_of_a_gaussian_with_itself_is_zero_and_of_far_apart_ones_log_2():
    p = normal_pdf(XS, 0, 1)
    assert jensen_shannon(p, p, XS) == pytest.approx(0, abs=1e-12)
    assert jensen_shannon(normal_pdf(XS, -8, 0.5), normal_pdf(XS, 8, 0.5), XS) == pytest.approx(math.log(2), rel=1e-9)


@pytest.mark.parametrize("shift", [0.05, 0.1, 0.2])
def test_jsd_of_slightly_shifted_gaussians_is_a_quarter_of_their_kl(shift):
    """For a small shift d of N(0, s^2): KL = d^2 / (2 s^2) and JSD = KL / 4 + O(d^4)."""
    std = 0.8
    jsd = jensen_shannon(normal_pdf(XS, 0, std), normal_pdf(XS, shift, std), XS)
    assert jsd == pytest.approx(shift ** 2 / (8 * std ** 2), rel=shift ** 2)


def test_jsd_of_a_two_mode_mixture_against_one_of_its_modes_is_three_quarters_log_four_thirds():
    """Mode collapse in closed form: p_data = (N(-4) + N(4)) / 2, p_g = N(4), both of std 0.5 (the
    modes 16 std apart, so that their overlap is below rounding; demos/toy_1d.py's bimodal data
    at -2 and 2 come within 1.5e-4 of the same value).
    On the missed mode m = p/2: (1/2) (1/2) log 2; on the kept one p = q/2, m = 3q/4:
    (1/2) (1/2) log(2/3) + (1/2) log(4/3). Sum: 3/4 log(4/3). There D* = 1 and 1/3."""
    p_data, p_g = Bimodal(means=(-4, 4)).density(XS), Gaussian(4.0, 0.5).density(XS)
    assert jensen_shannon(p_data, p_g, XS) == pytest.approx(0.75 * math.log(4 / 3), rel=1e-6)
    d_star = optimal_discriminator(p_data, p_g)
    assert d_star[np.argmin(np.abs(XS + 4))] == pytest.approx(1, abs=1e-12)
    assert d_star[np.argmin(np.abs(XS - 4))] == pytest.approx(1 / 3, rel=1e-12)


def test_jsd_of_two_shifted_uniforms_is_the_shift_times_log_2():
    """U[0, 1] against U[a, 1 + a]: where both live m = p = q and nothing counts; where one lives, log 2."""
    xs = np.linspace(-1, 3, 400001)
    for a in (0.1, 0.5, 0.9):
        p = ((xs >= 0) & (xs <= 1)).astype(float)
        q = ((xs >= a) & (xs <= 1 + a)).astype(float)
        assert jensen_shannon(p, q, xs) == pytest.approx(a * math.log(2), rel=1e-3)


def test_value_at_the_optimum_matches_a_monte_carlo_estimate_of_the_game():
    """V(D*, G) = E_data log D* + E_g log(1 - D*) from samples equals -log 4 + 2 JSD from the grid."""
    rng = np.random.default_rng(0)
    data, fake = rng.normal(0, 1, 400_000), rng.normal(1.5, 0.7, 400_000)

    def d_star(x):
        return optimal_discriminator(normal_pdf(x, 0, 1), normal_pdf(x, 1.5, 0.7))

    monte_carlo = np.log(d_star(data)).mean() + np.log(1 - d_star(fake)).mean()
    jsd = jensen_shannon(normal_pdf(XS, 0, 1), normal_pdf(XS, 1.5, 0.7), XS)
    assert monte_carlo == pytest.approx(value_at_optimum(jsd), abs=5e-3)
    assert 0 < jsd < math.log(2)


def test_d_loss_bounds_the_jsd_from_below_with_equality_at_d_star():
    p, q = normal_pdf(XS, 0, 1), normal_pdf(XS, 1, 1)
    jsd = jensen_shannon(p, q, XS)

    def d_loss(d):                                   # -V(D, G), the cross-entropy D minimises
        return -(np.trapezoid(p * np.log(d), XS) + np.trapezoid(q * np.log(1 - d), XS))

    d_star = optimal_discriminator(p, q)
    assert jsd_lower_bound(d_loss(d_star)) == pytest.approx(jsd, rel=1e-6)
    for other in (np.full_like(XS, 0.5), np.clip(d_star + 0.05, 0.01, 0.99), 1 / (1 + np.exp(XS - 1))):
        assert jsd_lower_bound(d_loss(other)) < jsd


def test_distance_from_optimal_weights_the_gap_by_the_data():
    p = normal_pdf(XS, 0, 1)
    d_star = optimal_discriminator(p, normal_pdf(XS, 1, 1))
    assert distance_from_optimal(d_star, d_star, p, XS) == 0
    assert distance_from_optimal(d_star + 0.1, d_star, p, XS) == pytest.approx(0.1)
    far_away = np.where(XS > 6, 1.0, 0.0)           # a gap only where the data are not
    assert distance_from_optimal(d_star + far_away, d_star, p, XS) < 1e-8
