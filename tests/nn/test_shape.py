import numpy as np
from hypothesis import given, strategies as st

from minigan.nn import Flatten, Reshape
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
