import numpy as np
from hypothesis import given

from minigan.nn import Dense
from tests.layer_contract import assert_layer_contract
from tests.strategies import dense_configs, normal


@given(dense_configs())
def test_dense_contract(device, cfg):
    layer = Dense(cfg["in_features"], cfg["out_features"], bias=cfg["bias"], rng=cfg["seed"])
    assert_layer_contract(layer, normal(cfg["seed"], (cfg["batch"], cfg["in_features"])), device)


def test_dense_weight_layout_and_formula(rng):
    layer = Dense(3, 2, rng=0)
    assert layer.params["weight"].shape == (2, 3) and layer.params["bias"].shape == (2,)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    expected = np.einsum("ni,oi->no", x, layer.params["weight"]) + layer.params["bias"]
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-6)


def test_dense_default_init_is_pytorch_uniform():
    layer = Dense(400, 50, rng=0)
    bound = 1 / np.sqrt(400)
    w = layer.params["weight"]
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound


def test_dense_seed_reproducible_and_generator_accepted():
    a, b = Dense(4, 3, rng=7), Dense(4, 3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.params["weight"], b.params["weight"])
    assert not np.array_equal(a.params["weight"], Dense(4, 3, rng=8).params["weight"])


def test_assigned_params_are_used(rng):
    layer = Dense(3, 2, rng=0)
    layer.params["weight"] = np.zeros((2, 3), dtype=np.float64)
    layer.params["bias"] = np.array([1.0, -1.0])
    y = layer.forward(rng.standard_normal((5, 3)))
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, np.tile([1.0, -1.0], (5, 1)))


def test_requires_grad_false_skips_param_grads_and_needs_input_grad_false_skips_dx(rng):
    layer = Dense(3, 2, rng=0)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    layer.forward(x)
    layer.requires_grad_(False)
    dx = layer.backward(np.ones((4, 2), np.float32))
    assert dx.shape == (4, 3) and not layer.grads["weight"].any()
    layer.requires_grad_(True)
    layer.needs_input_grad = False
    assert layer.backward(np.ones((4, 2), np.float32)) is None
    assert layer.grads["weight"].any()
