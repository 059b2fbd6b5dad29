import numpy as np
from hypothesis import given, strategies as st

import pytest

from minigan.nn import Dense, Flatten, Pack, Reshape, Sequential
from minigan.nn.validation import LayerConfigError, LayerInputError
from tests.layer_contract import assert_layer_contract
from tests.strategies import normal, seeds


@given(st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)), seeds)
def test_flatten_contract(device, shape, seed):
    assert_layer_contract(Flatten(), normal(seed, shape), device)


@given(st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)), seeds)
def test_reshape_contract(device, shape, seed):
    N, C, H, W = shape
    assert_layer_contract(Reshape(C, H, W), normal(seed, (N, C * H * W)), device)


def test_flatten_then_reshape_round_trip(rng):
    x = rng.standard_normal((2, 128, 7, 7))
    flat = Flatten().forward(x)
    assert flat.shape == (2, 6272)
    np.testing.assert_array_equal(Reshape(128, 7, 7).forward(flat), x)
    np.testing.assert_array_equal(flat[1, :49], x[1, 0].ravel())      # channel-major, as PyTorch


@given(st.integers(1, 4), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)), seeds)
def test_pack_contract(device, m, groups, features, seed):
    assert_layer_contract(Pack(m), normal(seed, (m * groups,) + features), device)


def test_pack_puts_m_consecutive_samples_side_by_side(rng):
    x = rng.standard_normal((6, 2))
    y = Pack(3).forward(x)
    assert y.shape == (2, 6)
    np.testing.assert_array_equal(y[1], np.concatenate([x[3], x[4], x[5]]))
    dy = rng.standard_normal((2, 6))
    np.testing.assert_array_equal(_pack_backward(x, dy), dy.reshape(6, 2))


def _pack_backward(x, dy):
    layer = Pack(3)
    layer.forward(x)
    return layer.backward(dy)


def test_packed_discriminator_sees_groups(rng):
    D = Sequential(Pack(4), Dense(8, 1, rng=0, dtype="float64"))
    assert D.forward(rng.standard_normal((12, 2))).shape == (3, 1)
    with pytest.raises(LayerInputError, match="cannot be packed in groups of 4"):
        D.forward(rng.standard_normal((10, 2)))
    with pytest.raises(LayerConfigError):
        Pack(0)
