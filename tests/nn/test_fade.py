import numpy as np
import pytest
from hypothesis import given

from minigan import nn
from minigan.backend import to_device, to_numpy
from minigan.gradcheck import check_double_backward
from minigan.nn import AvgPool2d, Conv2d, FadeIn, LeakyReLU, Sequential, Upsample2d
from minigan.nn.validation import LayerConfigError, LayerInputError
from tests.layer_contract import assert_layer_contract
from tests.strategies import fade_configs, normal


def growing_generator_head(cfg):
    """The generator's fade from s x s to 2s x 2s: old = toRGB then upsample, new = block then toRGB."""
    C, seed = cfg["channels"], cfg["seed"]
    old = Sequential(Conv2d(C, 1, 1, rng=seed), Upsample2d(2))
    new = Sequential(Upsample2d(2), Conv2d(C, 2, 3, padding=1, rng=seed + 1, equalized_lr=True), LeakyReLU(0.2),
                     Conv2d(2, 1, 1, rng=seed + 2))
    return FadeIn(old, new, alpha=cfg["alpha"])


def growing_discriminator_tail(cfg):
    """The discriminator's mirror: old = downsample then fromRGB, new = fromRGB, block, downsample."""
    C, seed = cfg["channels"], cfg["seed"]
    old = Sequential(AvgPool2d(2), Conv2d(1, C, 1, rng=seed))
    new = Sequential(Conv2d(1, 2, 1, rng=seed + 1), LeakyReLU(0.2), Conv2d(2, C, 3, padding=1, rng=seed + 2),
                     AvgPool2d(2))
    return FadeIn(old, new, alpha=cfg["alpha"])


@given(fade_configs())
def test_generator_fade_contract(device, cfg):
    x = normal(cfg["seed"], (cfg["batch"], cfg["channels"], cfg["size"], cfg["size"]))
    assert_layer_contract(growing_generator_head(cfg), x, device)


@given(fade_configs())
def test_discriminator_fade_contract(device, cfg):
    x = normal(cfg["seed"], (cfg["batch"], 1, 2 * cfg["size"], 2 * cfg["size"]))
    assert_layer_contract(growing_discriminator_tail(cfg), x, device)


@given(fade_configs())
def test_output_is_the_blend_of_the_two_paths(device, cfg):
    layer = growing_generator_head(cfg).to(device)
    x = to_device(normal(cfg["seed"], (cfg["batch"], cfg["channels"], cfg["size"], cfg["size"])).astype(np.float32),
                  device)
    old, new = to_numpy(layer.old.forward(x)), to_numpy(layer.new.forward(x))
    y = to_numpy(layer.forward(x))
    assert y.dtype == np.float32 and y.shape == layer.output_shape(x.shape)
    a = cfg["alpha"]
    np.testing.assert_allclose(y, (1 - a) * old + a * new, rtol=1e-5, atol=1e-6)


def test_alpha_ends_select_one_path_and_gradients_follow(rng):
    layer = growing_generator_head(dict(channels=2, seed=0, alpha=0.0)).astype(np.float64)
    x = rng.standard_normal((2, 2, 3, 3))
    dy = rng.standard_normal((2, 1, 6, 6))
    for alpha, live, dead in ((0.0, layer.old, layer.new), (1.0, layer.new, layer.old)):
        layer.alpha = alpha
        np.testing.assert_array_equal(layer.forward(x), live.forward(x) * 1.0)
        layer.zero_grad()
        layer.backward(dy)
        assert all(not g.any() for g in dead.grads.values())
        assert all(g.any() for g in live.grads.values())


@given(fade_configs())
def test_second_order_pass(cfg):
    """Paths of Dense and Tanh (layers with a second-order pass): ddy and dx_extra blend like dy."""
    seed = cfg["seed"]
    old = Sequential(nn.Dense(3, 2, rng=seed), nn.Tanh())
    new = Sequential(nn.Dense(3, 4, rng=seed + 1), nn.Tanh(), nn.Dense(4, 2, rng=seed + 2))
    report = check_double_backward(FadeIn(old, new, cfg["alpha"]), normal(seed, (cfg["batch"], 3)))
    assert report.ok, str(report)


def test_names_follow_sequential_and_alpha_is_not_a_parameter():
    layer = growing_generator_head(dict(channels=2, seed=0, alpha=0.25))
    assert list(layer.params) == ["0.0.weight", "0.0.bias", "1.1.weight", "1.1.bias", "1.3.weight", "1.3.bias"]
    assert "alpha" not in layer.params and layer.alpha == 0.25
    layer.alpha = 1
    assert layer.alpha == 1.0
    for bad in (-0.1, 1.5):
        with pytest.raises(LayerConfigError):
            layer.alpha = bad


def test_paths_must_agree_on_the_output_shape():
    layer = FadeIn(Conv2d(1, 1, 1, rng=0), Sequential(Upsample2d(2), Conv2d(1, 1, 1, rng=0)))
    with pytest.raises(LayerInputError, match="must agree"):
        layer.forward(np.zeros((1, 1, 2, 2), np.float32))
    with pytest.raises(LayerInputError, match=r"\[1\]\[1\]"):        # the failing layer's position
        FadeIn(Conv2d(1, 1, 1), Sequential(Upsample2d(2), Conv2d(2, 1, 1))).forward(np.zeros((1, 1, 2, 2), np.float32))


def test_switches_reach_both_paths(rng):
    layer = growing_discriminator_tail(dict(channels=2, seed=0, alpha=0.5))
    x = rng.standard_normal((2, 1, 4, 4)).astype(np.float32)
    y = layer.forward(x)
    layer.needs_input_grad = False
    assert layer.backward(np.ones_like(y)) is None and all(g.any() for g in layer.grads.values())
    layer.needs_input_grad = True
    layer.zero_grad()
    layer.requires_grad_(False)
    assert layer.backward(np.ones_like(y)).shape == x.shape and not any(g.any() for g in layer.grads.values())
