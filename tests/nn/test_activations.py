import numpy as np
import pytest
from hypothesis import given

from minigan.nn import LeakyReLU, ReLU, Sigmoid, Tanh
from minigan.nn.activations import sigmoid
from tests.layer_contract import assert_layer_contract
from tests.strategies import away_from_zero, elementwise_shapes, negative_slopes, seeds


@given(elementwise_shapes, seeds)
def test_relu_contract(device, shape, seed):
    assert_layer_contract(ReLU(), away_from_zero(seed, shape), device)


@given(elementwise_shapes, seeds, negative_slopes)
def test_leaky_relu_contract(device, shape, seed, slope):
    assert_layer_contract(LeakyReLU(slope), away_from_zero(seed, shape), device)


@given(elementwise_shapes, seeds)
def test_tanh_contract(device, shape, seed):
    assert_layer_contract(Tanh(), away_from_zero(seed, shape, gap=0.0), device)


@given(elementwise_shapes, seeds)
def test_sigmoid_contract(device, shape, seed):
    assert_layer_contract(Sigmoid(), away_from_zero(seed, shape, gap=0.0) * 3, device)


def test_values():
    x = np.array([-2.0, -0.5, 0.5, 3.0])
    np.testing.assert_array_equal(ReLU().forward(x), [0, 0, 0.5, 3.0])
    np.testing.assert_allclose(LeakyReLU(0.2).forward(x), [-0.4, -0.1, 0.5, 3.0])
    np.testing.assert_allclose(Tanh().forward(x), np.tanh(x))
    np.testing.assert_allclose(Sigmoid().forward(x), 1 / (1 + np.exp(-x)))


def test_leaky_relu_default_slope_is_pytorch_default():
    assert LeakyReLU().negative_slope == 0.01


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_in_both_tails(dtype):
    x = np.array([-800.0, -50.0, 0.0, 50.0, 800.0], dtype=dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is exact enough
        y = sigmoid(x)
    assert np.isfinite(y).all() and y.dtype == dtype
    assert y[0] == 0.0 and y[-1] == 1.0 and y[2] == 0.5
    if dtype == np.float64:
        assert np.isclose(y[1], np.exp(-50.0), rtol=1e-14)   # no cancellation in the left tail
