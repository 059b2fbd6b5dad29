"""The equalised learning rate of Dense, Conv2d and ConvTranspose2d (nn/weighted.py): weights stored N(0, 1) and scaled at run
time by sqrt(2 / fan_in). It must equal a plain layer holding the scaled weight, with the
stored weight's gradient sqrt(2 / fan_in) times the plain one (the chain rule)."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan.gradcheck import check_double_backward
from minigan import accel
from minigan.nn import Conv2d, ConvTranspose2d, Dense
from tests.layer_contract import assert_layer_contract
from tests.strategies import conv_configs, conv_transpose_configs, dense_configs, normal


def make_dense(cfg, equalized_lr):
    return Dense(cfg["in_features"], cfg["out_features"], bias=cfg["bias"], rng=cfg["seed"], dtype="float64",
                 equalized_lr=equalized_lr)


def make_conv(cfg, equalized_lr):
    return Conv2d(cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"], cfg["stride"], cfg["padding"],
                  bias=cfg["bias"], rng=cfg["seed"], dtype="float64", equalized_lr=equalized_lr)


def with_random_bias(layer, seed):
    if "bias" in layer.params:              # equalised biases start at 0: move them so they matter
        layer.params["bias"] = np.random.default_rng(seed).standard_normal(layer.params["bias"].shape)
    return layer


def assert_equals_plain_layer_with_scaled_weight(layer, plain, x, fan_in, seed):
    c = math.sqrt(2 / fan_in)
    plain.params["weight"] = layer.params["weight"] * c
    if "bias" in layer.params:
        plain.params["bias"] = layer.params["bias"].copy()
    dy = normal(seed + 1, layer.output_shape(x.shape))
    for m in (layer, plain):
        m.zero_grad()
    y, y_plain = layer.forward(x), plain.forward(x)
    dx, dx_plain = layer.backward(dy), plain.backward(dy)
    np.testing.assert_allclose(y, y_plain, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, dx_plain, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["weight"], c * plain.grads["weight"], rtol=1e-12, atol=1e-12)
    if "bias" in layer.params:
        np.testing.assert_allclose(layer.grads["bias"], plain.grads["bias"], rtol=1e-12, atol=1e-12)


@given(dense_configs())
def test_dense_equals_plain_layer_with_scaled_weight(cfg):
    layer = with_random_bias(make_dense(cfg, True), cfg["seed"])
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_features"]))
    assert_equals_plain_layer_with_scaled_weight(layer, make_dense(cfg, False), x, cfg["in_features"], cfg["seed"])


@given(conv_configs(), st.booleans())
def test_conv_equals_plain_layer_with_scaled_weight(cfg, fast):
    layer = with_random_bias(make_conv(cfg, True), cfg["seed"])
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]))
    kh, kw = layer.kernel_size
    plain = make_conv(cfg, False)
    if fast:
        accel.apply(layer, plain)
    assert_equals_plain_layer_with_scaled_weight(layer, plain, x, cfg["in_channels"] * kh * kw, cfg["seed"])


@given(dense_configs())
def test_dense_contract_and_second_order(device, cfg):
    layer = with_random_bias(make_dense(cfg, True), cfg["seed"])
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_features"]))
    assert_layer_contract(layer, x, device)
    report = check_double_backward(layer, x)
    assert report.ok, str(report)


@given(conv_configs())
def test_conv_contract_and_second_order(device, cfg):
    layer = with_random_bias(make_conv(cfg, True), cfg["seed"])
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]))
    assert_layer_contract(layer, x, device)
    report = check_double_backward(layer, x)
    assert report.ok, str(report)


def make_conv_transpose(cfg, equalized_lr):
    return ConvTranspose2d(cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"], cfg["stride"], cfg["padding"],
                           cfg["output_padding"], bias=cfg["bias"], rng=cfg["seed"], dtype="float64",
                           equalized_lr=equalized_lr)


@given(conv_transpose_configs(), st.booleans())
def test_conv_transpose_equals_plain_layer_with_scaled_weight(cfg, fast):
    """fan_in = C kh kw / (sh sw): the taps of the kernel that reach one output pixel."""
    layer = with_random_bias(make_conv_transpose(cfg, True), cfg["seed"])
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]))
    (kh, kw), (sh, sw) = layer.kernel_size, layer.stride
    plain = make_conv_transpose(cfg, False)
    if fast:
        accel.apply(layer, plain)
    assert_equals_plain_layer_with_scaled_weight(layer, plain, x, cfg["in_channels"] * kh * kw / (sh * sw),
                                                 cfg["seed"])


@given(conv_transpose_configs())
def test_conv_transpose_contract(device, cfg):
    layer = with_random_bias(make_conv_transpose(cfg, True), cfg["seed"])
    assert_layer_contract(layer, normal(cfg["seed"], (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"])), device)


def test_stored_weights_are_standard_normal_and_biases_zero():
    for layer in (Dense(300, 200, rng=0, equalized_lr=True), Conv2d(16, 64, 3, rng=0, equalized_lr=True),
                  ConvTranspose2d(64, 16, 4, 2, 1, rng=0, equalized_lr=True)):
        w = layer.params["weight"]
        assert w.dtype == np.float32 and abs(w.std() - 1) < 0.02 and abs(w.mean()) < 0.02
        assert not layer.params["bias"].any()
        assert "equalized_lr=True" in repr(layer)
    assert Dense(300, 200).weight_scale is None and "equalized" not in repr(Conv2d(1, 2, 3))
    assert Dense(300, 200, equalized_lr=True).weight_scale == pytest.approx(math.sqrt(2 / 300))
    assert Conv2d(16, 64, 3, equalized_lr=True).weight_scale == pytest.approx(math.sqrt(2 / 144))
    assert ConvTranspose2d(64, 16, 4, 2, 1, equalized_lr=True).weight_scale == pytest.approx(math.sqrt(2 / 256))


def test_default_layers_are_unchanged_by_the_option():
    """The default path draws and computes exactly as before the option existed."""
    rng = np.random.default_rng(3)
    bound = 1 / math.sqrt(4)
    expected = rng.uniform(-bound, bound, (3, 4)).astype("float32")
    np.testing.assert_array_equal(Dense(4, 3, rng=3).params["weight"], expected)
