import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan.nn import BatchNorm1d, BatchNorm2d
from tests.layer_contract import assert_layer_contract
from tests.strategies import batchnorm_configs, normal


def make(cfg):
    C = cfg["shape"][1]
    layer = (BatchNorm2d if len(cfg["shape"]) == 4 else BatchNorm1d)(C, eps=cfg["eps"], momentum=cfg["momentum"])
    rng = np.random.default_rng(cfg["seed"])
    layer.params["weight"] = rng.uniform(0.5, 2.0, C).astype(np.float32)
    layer.params["bias"] = rng.standard_normal(C).astype(np.float32)
    layer.buffers["running_mean"] = rng.standard_normal(C).astype(np.float32)
    layer.buffers["running_var"] = rng.uniform(0.5, 2.0, C).astype(np.float32)
    return layer.train(cfg["training"])


@given(st.sampled_from([2, 3, 4]).flatmap(batchnorm_configs))
def test_batchnorm_contract(device, cfg):
    """The whole batch is the input: in training every output depends on every input of its channel."""
    assert_layer_contract(make(cfg), normal(cfg["seed"], cfg["shape"]) * 2 + 0.5, device)


@given(st.sampled_from([2, 4]).flatmap(batchnorm_configs))
def test_running_statistics_follow_pytorch_rule(cfg):
    layer = make(cfg).train().astype(np.float64)
    rm, rv = layer.buffers["running_mean"].astype(np.float64), layer.buffers["running_var"].astype(np.float64)
    x = normal(cfg["seed"], cfg["shape"])
    layer.forward(x)
    axes = (0,) + tuple(range(2, x.ndim))
    m = x.size // x.shape[1]
    mom = cfg["momentum"]
    np.testing.assert_allclose(layer.buffers["running_mean"], (1 - mom) * rm + mom * x.mean(axes), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.buffers["running_var"], (1 - mom) * rv + mom * x.var(axes) * m / (m - 1),
                               rtol=1e-5, atol=1e-6)


def test_training_output_is_normalised_per_channel(rng):
    layer = BatchNorm2d(3)
    y = layer.forward(rng.standard_normal((8, 3, 4, 4)).astype(np.float32) * 5 + 3)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, atol=1e-3)


def test_eval_uses_running_statistics_and_does_not_update_them(rng):
    layer = BatchNorm1d(2).eval()
    layer.buffers["running_mean"] = np.array([1.0, -1.0], np.float32)
    layer.buffers["running_var"] = np.array([4.0, 0.25], np.float32)
    x = rng.standard_normal((5, 2)).astype(np.float32)
    y = layer.forward(x)
    np.testing.assert_allclose(y, (x - [1.0, -1.0]) / np.sqrt(np.array([4.0, 0.25]) + 1e-5), rtol=1e-5)
    np.testing.assert_array_equal(layer.buffers["running_mean"], [1.0, -1.0])


def test_batchnorm_has_pytorch_names():
    layer = BatchNorm2d(4)
    assert set(layer.params) == {"weight", "bias"} and set(layer.buffers) == {"running_mean", "running_var"}
    np.testing.assert_array_equal(layer.params["weight"], np.ones(4))
    np.testing.assert_array_equal(layer.buffers["running_var"], np.ones(4))


@pytest.mark.parametrize("cls,shape", [(BatchNorm1d, (4, 3)), (BatchNorm2d, (2, 3, 2, 2))])
def test_batchnorm_float32_stays_float32(cls, shape, rng):
    layer = cls(3)
    y = layer.forward(rng.standard_normal(shape).astype(np.float32))
    assert y.dtype == np.float32 and layer.buffers["running_var"].dtype == np.float32
    assert layer.backward(np.ones(shape, np.float32)).dtype == np.float32
