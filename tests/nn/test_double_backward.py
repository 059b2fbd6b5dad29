"""backward_backward of every layer that has one, against central finite differences of its
own backward (minigan.gradcheck.check_double_backward, float64): ddy, dx_extra and the
parameter adjoints."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import accel, nn
from minigan.gradcheck import check_double_backward
from minigan.nn.validation import LayerInputError
from tests.nn.test_layernorm import random_affine
from tests.strategies import (away_from_zero, conv_configs, dense_configs, elementwise_shapes,
                              layernorm_configs, negative_slopes, normal, seeds)


def assert_double_backward(layer, x, device="cpu", seed=0):
    layer.to(device)
    from minigan.backend import to_device
    report = check_double_backward(layer, to_device(np.asarray(x, dtype=np.float64), device), seed=seed)
    assert report.ok, str(report)
    return report


@given(dense_configs())
def test_dense(device, cfg):
    layer = nn.Dense(cfg["in_features"], cfg["out_features"], bias=cfg["bias"], rng=cfg["seed"])
    assert_double_backward(layer, normal(cfg["seed"], (cfg["batch"], cfg["in_features"])), device)


@given(conv_configs(), st.booleans())
def test_conv2d_readable_and_fast(device, cfg, fast):
    layer = nn.Conv2d(cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"], cfg["stride"],
                      cfg["padding"], bias=cfg["bias"], rng=cfg["seed"])
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]))
    assert_double_backward(accel.apply(layer) if fast else layer, x, device)


@given(layernorm_configs())
def test_layernorm(device, cfg):
    """Each normalised group's values are spread out (a ramp added along it): when two values
    nearly coincide (0.0015 apart at seed 3, shape (3, 3, 3, 2)) the group's variance falls below
    eps, where backward curves so sharply that central differences, not backward_backward, err."""
    layer = random_affine(nn.LayerNorm(cfg["normalized_shape"], eps=cfg["eps"], elementwise_affine=cfg["affine"]),
                          cfg["seed"])
    group = cfg["normalized_shape"]
    ramp = np.arange(int(np.prod(group)), dtype=np.float64).reshape(group)
    assert_double_backward(layer, normal(cfg["seed"], cfg["shape"]) + ramp, device)


@given(elementwise_shapes, seeds, negative_slopes)
def test_activations(device, shape, seed, slope):
    x = away_from_zero(seed, shape)               # finite differences never cross the kink
    for layer in (nn.ReLU(), nn.LeakyReLU(slope), nn.Tanh()):
        assert_double_backward(layer, x, device, seed)


@given(seeds)
def test_flatten_and_reshape(device, seed):
    assert_double_backward(nn.Flatten(), normal(seed, (2, 3, 2, 2)), device, seed)
    assert_double_backward(nn.Reshape(3, 2, 2), normal(seed, (2, 12)), device, seed)
    assert_double_backward(nn.Pack(2), normal(seed, (4, 3)), device, seed)


@given(seeds, st.booleans())
def test_sequential_critics(device, seed, conv):
    """A whole chain: dx_extra of inner layers travels back through the forward chain."""
    if conv:
        D = nn.Sequential(nn.Conv2d(2, 3, 3, stride=2, padding=1, rng=seed), nn.LayerNorm((3, 3, 3)),
                          nn.LeakyReLU(0.2), nn.Flatten(), nn.Dense(27, 1, rng=seed + 1))
        random_affine(D[1], seed)
        x = normal(seed, (3, 2, 5, 5))
    else:
        D = nn.Sequential(nn.Dense(3, 5, rng=seed), nn.Tanh(), nn.Dense(5, 4, rng=seed + 1), nn.LeakyReLU(0.2),
                          nn.Sequential(nn.Dense(4, 4, rng=seed + 2), nn.Tanh()), nn.Dense(4, 1, rng=seed + 3))
        x = normal(seed, (4, 3))
    assert_double_backward(D, x, device, seed)


def test_parameter_adjoints_respect_requires_grad():
    layer = nn.Dense(3, 2, rng=0, dtype="float64")
    x = normal(0, (4, 3))
    layer.forward(x)
    layer.backward(normal(1, (4, 2)))
    layer.zero_grad()
    layer.requires_grad = False
    ddy, extra = layer.backward_backward(normal(2, (4, 3)))
    assert ddy.shape == (4, 2) and extra is None
    assert not layer.grads["weight"].any()


def test_adjoint_checks():
    layer = nn.Dense(3, 2, rng=0, dtype="float64")
    layer.forward(normal(0, (4, 3)))
    with pytest.raises(LayerInputError, match="backward_backward called before backward"):
        layer.backward_backward(normal(1, (4, 3)))
    layer.backward(normal(1, (4, 2)))
    with pytest.raises(LayerInputError, match=r"adjoint ddx of the input's shape \(4, 3\), got \(4, 2\)"):
        layer.backward_backward(normal(1, (4, 2)))


def test_layers_without_a_second_order_pass_say_so():
    D = nn.Sequential(nn.Dense(2, 3, rng=0, dtype="float64"), nn.BatchNorm1d(3, dtype="float64"),
                      nn.Dense(3, 1, rng=1, dtype="float64"))
    x = normal(0, (4, 2))
    D.forward(x)
    D.backward(np.ones((4, 1)))
    with pytest.raises(NotImplementedError, match="BatchNorm1d has no second-order pass"):
        D.backward_backward(np.ones_like(x))
