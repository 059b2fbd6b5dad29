import numpy as np
from hypothesis import given

from minigan import nn
from minigan.backend import to_device, to_numpy
from minigan.nn import MinibatchDiscrimination
from tests.layer_contract import assert_layer_contract
from tests.strategies import minibatch_configs, normal, seeds


def make(cfg):
    return MinibatchDiscrimination(cfg["in_features"], cfg["num_kernels"], cfg["kernel_dim"], rng=cfg["seed"])


def closeness(layer, x):
    """The appended columns o (N, B) for input x."""
    return to_numpy(layer.forward(x))[:, layer.in_features:]


def reference(x, T, B, C):
    """The paper's formula one pair at a time, in float64."""
    M = (x.astype(np.float64) @ T.astype(np.float64)).reshape(len(x), B, C)
    o = np.zeros((len(x), B))
    for i in range(len(x)):
        for j in range(len(x)):
            if j != i:
                o[i] += np.exp(-np.abs(M[i] - M[j]).sum(axis=1))
    return o


@given(minibatch_configs())
def test_minibatch_discrimination_contract(device, cfg):
    """Every output row depends on every input row: the gradient check covers the cross-sample terms."""
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_features"]))
    assert_layer_contract(make(cfg), x, device)


@given(minibatch_configs())
def test_output_is_input_then_closeness_to_the_others(device, cfg):
    layer = make(cfg).to(device)
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_features"])).astype(np.float32)
    y = to_numpy(layer.forward(to_device(x, device)))
    assert y.shape == (cfg["batch"], cfg["in_features"] + cfg["num_kernels"]) and y.dtype == np.float32
    np.testing.assert_array_equal(y[:, :cfg["in_features"]], x)
    expected = reference(x, to_numpy(layer.params["weight"]), cfg["num_kernels"], cfg["kernel_dim"])
    np.testing.assert_allclose(y[:, cfg["in_features"]:], expected, rtol=1e-5, atol=1e-6)


def test_identical_samples_give_batch_size_minus_one(device, rng):
    layer = MinibatchDiscrimination(6, 5, 3, rng=0).to(device)
    x = np.tile(rng.standard_normal((1, 6)), (7, 1)).astype(np.float32)
    np.testing.assert_array_equal(closeness(layer, to_device(x, device)), np.full((7, 5), 6.0, np.float32))


def test_far_apart_samples_give_nearly_zero(device, rng):
    layer = MinibatchDiscrimination(6, 5, 3, rng=0).to(device)
    x = (100 * rng.standard_normal((7, 6))).astype(np.float32)
    o = closeness(layer, to_device(x, device))
    assert o.shape == (7, 5) and o.max() < 1e-6


def test_single_sample_has_nothing_to_compare_with(rng):
    layer = MinibatchDiscrimination(4, 3, 2, rng=0)
    np.testing.assert_array_equal(closeness(layer, rng.standard_normal((1, 4)).astype(np.float32)), np.zeros((1, 3)))


@given(seeds)
def test_collapsed_batch_is_told_apart_from_a_diverse_one(seed):
    """The reason the layer exists: every collapsed batch scores above every diverse batch, per kernel."""
    rng = np.random.default_rng(seed)
    layer = MinibatchDiscrimination(16, 8, 4, rng=seed)
    center = rng.standard_normal((1, 16))
    collapsed = (center + 0.01 * rng.standard_normal((16, 16))).astype(np.float32)
    diverse = rng.standard_normal((16, 16)).astype(np.float32)
    o_collapsed, o_diverse = closeness(layer, collapsed), closeness(layer, diverse)
    assert o_collapsed.mean(axis=0).min() > o_diverse.mean(axis=0).max()
    assert o_collapsed.mean() > 0.5 * 15 > 0.1 * 15 > o_diverse.mean()


def test_gradient_descent_on_closeness_spreads_a_collapsed_batch(rng):
    """Stepping the input against d(sum o)/dx, as a generator fooling this feature would, lowers sum o."""
    layer = MinibatchDiscrimination(8, 4, 3, rng=0)
    x = (rng.standard_normal((1, 8)) + 0.05 * rng.standard_normal((6, 8))).astype(np.float32)
    before = closeness(layer, x).sum()
    dy = np.concatenate([np.zeros((6, 8)), np.ones((6, 4))], axis=1).astype(np.float32)
    dx = layer.backward(dy)
    after = closeness(layer, x - 0.01 * dx).sum()
    assert after < before - 0.01


@given(seeds)
def test_composes_in_a_sequential_before_a_dense(device, seed):
    model = nn.Sequential(nn.Dense(4, 5, rng=seed), nn.LeakyReLU(0.2),
                          MinibatchDiscrimination(5, 3, 2, rng=seed + 1), nn.Dense(8, 1, rng=seed + 2))
    assert list(model.params) == ["0.weight", "0.bias", "2.weight", "3.weight", "3.bias"]
    assert to_numpy(model.to(device).forward(to_device(normal(seed, (6, 4)).astype(np.float32), device))).shape == (6, 1)
    assert_layer_contract(model, normal(seed, (6, 4)), device)


def test_weight_shape_init_scale_and_seed():
    layer = MinibatchDiscrimination(400, 50, 5, rng=7)
    w = layer.params["weight"]
    assert w.shape == (400, 250) and w.dtype == np.float32
    assert abs(w.std() - 1 / np.sqrt(400)) < 0.02 / np.sqrt(400) and abs(w.mean()) < 0.01 / np.sqrt(400)
    same = MinibatchDiscrimination(400, 50, 5, rng=np.random.default_rng(7)).params["weight"]
    np.testing.assert_array_equal(w, same)
    assert not np.array_equal(w, MinibatchDiscrimination(400, 50, 5, rng=8).params["weight"])
    assert repr(layer) == "MinibatchDiscrimination(400, num_kernels=50, kernel_dim=5)"


def test_requires_grad_false_skips_param_grads_and_needs_input_grad_false_skips_dx(rng):
    layer = MinibatchDiscrimination(3, 2, 2, rng=0)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    dy = rng.standard_normal((4, 5)).astype(np.float32)
    layer.forward(x)
    layer.requires_grad_(False)
    dx = layer.backward(dy)
    assert dx.shape == (4, 3) and dx.dtype == np.float32 and not layer.grads["weight"].any()
    layer.requires_grad_(True)
    layer.needs_input_grad = False
    assert layer.backward(dy) is None
    assert layer.grads["weight"].any()
