import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan.gradcheck import check_double_backward
from minigan.nn import ConvTranspose2d, Scale, Sequential
from minigan.nn.validation import LayerConfigError
from tests.layer_contract import assert_layer_contract
from tests.strategies import elementwise_shapes, normal, seeds

factors = st.sampled_from([0.5, -2.0, 1.0, math.sqrt(2 / 9)])


@given(elementwise_shapes, seeds, factors)
def test_scale_contract_and_second_order(device, shape, seed, factor):
    assert_layer_contract(Scale(factor), normal(seed, shape), device)
    report = check_double_backward(Scale(factor), normal(seed, shape))
    assert report.ok, str(report)


def test_scale_in_front_is_the_equalised_learning_rate_of_a_transposed_convolution(rng):
    """Scale(c) then a layer with weight V computes the layer with weight c V; V's gradient is c times W's."""
    c = 0.3
    conv = ConvTranspose2d(2, 3, 4, 2, 1, rng=0, dtype="float64")
    plain = ConvTranspose2d(2, 3, 4, 2, 1, rng=0, dtype="float64")
    plain.params["weight"] = conv.params["weight"] * c
    x = rng.standard_normal((2, 2, 3, 3))
    scaled = Sequential(Scale(c), conv)
    y, y_plain = scaled.forward(x), plain.forward(x)
    dy = rng.standard_normal(y.shape)
    np.testing.assert_allclose(y, y_plain, rtol=1e-12)
    np.testing.assert_allclose(scaled.backward(dy), plain.backward(dy), rtol=1e-12)
    np.testing.assert_allclose(conv.grads["weight"], c * plain.grads["weight"], rtol=1e-12)
    np.testing.assert_allclose(conv.grads["bias"], plain.grads["bias"], rtol=1e-12)


def test_rejects_bad_factors_and_keeps_float32():
    for bad in (float("nan"), float("inf"), "2", None):
        with pytest.raises(LayerConfigError):
            Scale(bad)
    assert Scale(0.5).forward(np.ones((2, 3), np.float32)).dtype == np.float32
