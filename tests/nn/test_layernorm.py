import numpy as np
import pytest
from hypothesis import given

from minigan import nn
from minigan.nn.validation import LayerConfigError, LayerInputError
from tests.layer_contract import assert_layer_contract
from tests.strategies import layernorm_configs, normal


def random_affine(layer, seed):
    """Weight and bias away from their start values (ones, zeros), so neither hides a bug."""
    rng = np.random.default_rng(seed)
    for name, p in list(layer.params.items()):
        layer.params[name] = (rng.standard_normal(p.shape) * 0.5 + (name == "weight")).astype(p.dtype)
    return layer


@given(layernorm_configs())
def test_layernorm_contract(device, cfg):
    layer = nn.LayerNorm(cfg["normalized_shape"], eps=cfg["eps"], elementwise_affine=cfg["affine"])
    assert_layer_contract(random_affine(layer, cfg["seed"]), normal(cfg["seed"], cfg["shape"]), device)


def test_each_sample_is_normalised_alone():
    x = normal(0, (3, 2, 4, 4)) * 5 + 3
    y = nn.LayerNorm((2, 4, 4), dtype="float64").forward(x)
    np.testing.assert_allclose(y.reshape(3, -1).mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(y.reshape(3, -1).var(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(nn.LayerNorm((2, 4, 4), dtype="float64").forward(x[1:2]), y[1:2], rtol=1e-12)


def test_normalises_only_the_trailing_axes():
    x = normal(1, (2, 3, 5))
    y = nn.LayerNorm(5, dtype="float64").forward(x)
    expected = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    assert nn.LayerNorm((3, 5)).params["weight"].shape == (3, 5)


def test_rejects_wrong_shapes_and_arguments():
    with pytest.raises(LayerInputError, match=r"expected an input of shape \(N, \.\.\., 4, 4\)"):
        nn.LayerNorm((4, 4)).forward(np.zeros((2, 4, 5), dtype=np.float32))
    with pytest.raises(LayerInputError):
        nn.LayerNorm(4).forward(np.zeros((4,), dtype=np.float32))
    with pytest.raises(LayerConfigError):
        nn.LayerNorm(0)
    with pytest.raises(LayerConfigError):
        nn.LayerNorm(3, eps=0)


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    from tests.torch_helpers import assert_close, copy_to_torch, crosscheck
    rng = np.random.default_rng(0)
    for shape, normalized in (((4, 6), (6,)), ((2, 3, 4, 5), (3, 4, 5)), ((2, 3, 4, 5), (5,))):
        layer = random_affine(nn.LayerNorm(normalized, dtype="float64"), 1)
        module = torch.nn.LayerNorm(normalized).double()
        copy_to_torch(layer, module)
        assert_close(crosscheck(layer, module, rng.standard_normal(shape) * 3 + 1, rng))
