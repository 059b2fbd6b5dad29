import numpy as np
from hypothesis import given, strategies as st

from minigan.nn import Dropout
from tests.layer_contract import assert_layer_contract
from tests.strategies import elementwise_shapes, normal, seeds


@given(elementwise_shapes, seeds, st.sampled_from([0.0, 0.2, 0.5, 0.9]), st.booleans())
def test_dropout_contract(device, shape, seed, p, training):
    assert_layer_contract(Dropout(p, rng=seed).train(training), normal(seed, shape), device)


def test_dropout_keeps_expectation_and_drops_about_p(rng):
    layer = Dropout(0.3, rng=0)
    x = np.ones((200, 500), np.float32)
    y = layer.forward(x)
    assert y.dtype == np.float32
    assert abs((y == 0).mean() - 0.3) < 0.01
    assert abs(y.mean() - 1.0) < 0.02
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / 0.7], rtol=1e-6)
    np.testing.assert_array_equal(layer.backward(x), y)            # dx = dy * mask


def test_dropout_eval_is_identity_and_p_one_drops_everything(rng):
    x = rng.standard_normal((4, 5))
    assert Dropout(0.5).eval().forward(x) is x
    assert not Dropout(1.0, rng=0).forward(x).any()


def test_dropout_reproducible_from_seed(rng):
    x = rng.standard_normal((10, 10))
    np.testing.assert_array_equal(Dropout(0.5, rng=3).forward(x), Dropout(0.5, rng=3).forward(x))
