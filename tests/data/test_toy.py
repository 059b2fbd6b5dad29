"""Tests for minigan.data.toy: shapes, dtypes, parameters, reproducibility and the true densities."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from minigan.backend import to_device
from minigan.data.toy import TOYS, Bimodal, Gaussian, Grid, Ring, Spiral, get_toy
from tests.fake_device import fake_cuda

DIMS = {"gaussian": 1, "bimodal": 1, "ring": 2, "grid": 2, "spiral": 2}


@pytest.mark.parametrize("name", sorted(TOYS))
def test_sample_shape_and_dtype(name):
    x = get_toy(name).sample(100, np.random.default_rng(0))
    assert x.shape == (100, DIMS[name])
    assert x.dtype == np.float32
    assert np.all(np.isfinite(x))


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(sorted(TOYS)), n=st.integers(0, 40), seed=st.integers(0, 2**32 - 1))
def test_same_seed_same_samples(name, n, seed):
    toy = get_toy(name)
    a = toy.sample(n, np.random.default_rng(seed))
    b = toy.sample(n, seed)  # an int seed means default_rng(seed)
    assert a.shape == (n, DIMS[name])
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(TOYS))
def test_different_seeds_differ(name):
    toy = get_toy(name)
    assert not np.array_equal(toy.sample(50, 1), toy.sample(50, 2))


def test_sampling_leaves_global_state_alone():
    state = np.random.get_state()[1].copy()
    Ring().sample(10, 0)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_ring_defaults():
    ring = Ring()
    assert ring.modes.shape == (8, 2) and ring.std == 0.02
    np.testing.assert_allclose(np.linalg.norm(ring.modes, axis=1), 2.0)
    np.testing.assert_allclose(ring.modes[0], [2.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(ring.modes[2], [0.0, 2.0], atol=1e-12)


def test_grid_defaults():
    grid = Grid()
    assert grid.modes.shape == (25, 2) and grid.std == 0.05
    expected = {(float(a), float(b)) for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)}
    assert {tuple(m) for m in grid.modes} == expected


def test_constructor_parameters_are_used():
    ring = get_toy("ring", num_modes=5, radius=3.0, std=0.1)
    assert ring.modes.shape == (5, 2) and ring.std == 0.1
    np.testing.assert_allclose(np.linalg.norm(ring.modes, axis=1), 3.0)
    assert get_toy("grid", size=3, spacing=1.0).modes.min() == -1.0


def test_mixture_sample_statistics():
    ring = Ring(std=0.02)
    x = ring.sample(4000, 0).astype(np.float64)
    dist = np.linalg.norm(x[:, None, :] - ring.modes[None], axis=2)
    nearest, offset = dist.argmin(1), x - ring.modes[dist.argmin(1)]
    np.testing.assert_allclose(np.bincount(nearest, minlength=8) / 4000, 1 / 8, atol=0.025)
    np.testing.assert_allclose(offset.std(axis=0), 0.02, rtol=0.05)


def test_weights_are_respected():
    x = Bimodal(means=(-2, 2), std=0.5, weights=(3, 1)).sample(8000, 0)
    assert abs((x[:, 0] > 0).mean() - 0.25) < 0.02


def test_gaussian_fit():
    x = Gaussian(mean=1.5, std=0.3).sample(20000, 0)
    assert abs(x.mean() - 1.5) < 0.01 and abs(x.std() - 0.3) < 0.01


@pytest.mark.parametrize("toy", [Gaussian(0.5, 0.7), Bimodal(), Bimodal((-1, 0, 3), 0.3, (1, 2, 1))])
def test_1d_density_integrates_to_one(toy):
    grid, dx = np.linspace(-10, 10, 20001, retstep=True)
    assert abs(toy.density(grid).sum() * dx - 1) < 1e-6


def test_1d_density_values():
    # N(0.5, 0.7^2) at its mean: 1 / (sqrt(2 pi) 0.7); two far-apart equal modes: half of that each.
    assert Gaussian(0.5, 0.7).density([0.5])[0] == pytest.approx(1 / (np.sqrt(2 * np.pi) * 0.7))
    assert Bimodal((-5, 5), 0.7).density([5.0])[0] == pytest.approx(0.5 / (np.sqrt(2 * np.pi) * 0.7))


def test_spiral_stays_inside_its_radius():
    x = Spiral(turns=2, radius=2.0, noise=0.01).sample(2000, 0)
    assert np.linalg.norm(x, axis=1).max() < 2.0 + 5 * 0.01
    assert np.linalg.norm(x, axis=1).max() > 1.9


@pytest.mark.parametrize("kwargs", [{"std": 0.0}, {"std": 0.1, "weights": (1, 2)}])
def test_bad_parameters_raise(kwargs):
    with pytest.raises(ValueError):
        Ring(**kwargs)


def test_unknown_name_raises():
    with pytest.raises(ValueError, match="ring"):
        get_toy("rings")


def test_spiral_radius_distribution():
    # r = radius sqrt(u): P(r < radius / 2) = P(u < 1/4) = 1/4 (even along the arc, not crowded at the centre)
    x = Spiral(radius=2.0, noise=0.0).sample(8000, 0)
    assert abs((np.linalg.norm(x, axis=1) < 1.0).mean() - 0.25) < 0.02


def test_density_of_device_points_comes_back_on_the_host():
    toy = Bimodal((-5, 5), 0.7)
    with fake_cuda():
        p = toy.density(to_device(np.array([5.0, -5.0]), "cuda"))
    assert isinstance(p, np.ndarray)
    np.testing.assert_allclose(p, 0.5 / (np.sqrt(2 * np.pi) * 0.7))
