import numpy as np
import pytest
from hypothesis import given

from minigan.backend import to_device, to_numpy
from minigan.gradcheck import check_double_backward
from minigan.nn import PixelNorm
from minigan.nn.validation import LayerConfigError, LayerInputError
from tests.layer_contract import assert_layer_contract
from tests.strategies import away_from_zero, elementwise_shapes, normal, seeds


@given(elementwise_shapes, seeds)
def test_pixelnorm_contract(device, shape, seed):
    """Inputs at least 0.05 from zero (as in the second-order test below)."""
    assert_layer_contract(PixelNorm(), away_from_zero(seed, shape), device)


@given(elementwise_shapes, seeds)
def test_forward_is_the_definition_pixel_by_pixel(device, shape, seed):
    x = normal(seed, shape) * 3
    y = to_numpy(PixelNorm(eps=1e-8).forward(to_device(x, device)))
    flat_x = np.moveaxis(x.reshape(x.shape[0], x.shape[1], -1), 1, -1).reshape(-1, x.shape[1])
    flat_y = np.moveaxis(y.reshape(y.shape[0], y.shape[1], -1), 1, -1).reshape(-1, y.shape[1])
    for row_x, row_y in zip(flat_x, flat_y):
        np.testing.assert_allclose(row_y, row_x / np.sqrt(np.mean(row_x ** 2) + 1e-8), rtol=1e-12)


@given(elementwise_shapes, seeds)
def test_second_order_pass(shape, seed):
    """Inputs at least 0.05 from zero: with one channel y = x / sqrt(x^2 + eps) turns from -1 to 1
    within about sqrt(eps) = 1e-4 of zero, so close to zero (seed 8118, shape (2, 1, 4, 4)) central
    differences, not backward_backward, are wrong."""
    report = check_double_backward(PixelNorm(), away_from_zero(seed, shape))
    assert report.ok, str(report)


def test_unit_rms_and_scale_invariance(rng):
    x = rng.standard_normal((3, 8, 4, 4)).astype(np.float32) * 10
    layer = PixelNorm()
    y = layer.forward(x)
    np.testing.assert_allclose((y * y).mean(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(layer.forward(7 * x), y, rtol=1e-5)
    # scale invariance: the gradient along x itself is zero
    dx = layer.backward(rng.standard_normal(y.shape).astype(np.float32))
    np.testing.assert_allclose((dx * x).sum(axis=1), 0, atol=1e-4)


def test_rejects_wrong_inputs_and_arguments():
    with pytest.raises(LayerInputError, match="2 or 4-dimensional"):
        PixelNorm().forward(np.zeros((2, 3, 4), np.float32))
    with pytest.raises(LayerInputError, match="floating-point"):
        PixelNorm().forward(np.zeros((2, 3), np.int64))
    with pytest.raises(LayerConfigError):
        PixelNorm(eps=0)
