import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import nn
from minigan.gradcheck import check_layer
from minigan.losses import LOSSES
from tests.layer_contract import assert_layer_contract
from tests.strategies import normal, seeds


def small_generator(z_dim, seed):
    return nn.Sequential(nn.Dense(z_dim, 8, rng=seed), nn.BatchNorm1d(8), nn.ReLU(), nn.Reshape(2, 2, 2),
                         nn.ConvTranspose2d(2, 1, 4, 2, 1, rng=seed + 1), nn.Tanh())


def small_discriminator(seed, slope=0.2):
    return nn.Sequential(nn.Conv2d(1, 3, 4, 2, 1, rng=seed), nn.BatchNorm2d(3), nn.LeakyReLU(slope),
                         nn.Flatten(), nn.Dense(12, 1, rng=seed + 1))


@given(seeds)
def test_sequential_contract(device, seed):
    assert_layer_contract(small_discriminator(seed), normal(seed, (3, 1, 4, 4)), device)


@given(seeds, st.sampled_from(sorted(LOSSES)), st.sampled_from([0.2, 0.5]))
def test_generator_loss_gradient_through_frozen_discriminator(seed, loss_name, slope):
    """d loss(D(G(z))) / d theta_G, flowing back through D, whose weights get no gradient."""
    G, D = small_generator(4, seed % 1000), small_discriminator(seed % 1000 + 7, slope)
    D.requires_grad_(False)
    GD = nn.Sequential(G, D)
    loss = LOSSES[loss_name]()
    wrt = ["input"] + [f"0.{name}" for name in G.params]
    report = check_layer(GD, normal(seed, (5, 4)), loss=loss.generator, wrt=wrt)
    assert report.ok, str(report)
    assert not any(D.grads[name].any() for name in D.grads), "the frozen discriminator accumulated gradients"


def test_params_are_a_write_through_view_with_pytorch_names():
    D = small_discriminator(0)
    assert list(D.params) == ["0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias"]
    assert list(D.buffers) == ["1.running_mean", "1.running_var"]
    new = np.zeros((1, 12), np.float64)
    D.params["4.weight"] = new
    assert D[4].params["weight"] is new
    with pytest.raises(KeyError):
        D.params["9.weight"] = new
    with pytest.raises(KeyError):
        D.params["0.nonexistent"] = new


def test_nested_sequential_names_and_num_parameters():
    model = nn.Sequential(small_generator(4, 0), small_discriminator(1))
    assert "0.4.weight" in model.params and "1.1.running_var" in model.buffers
    assert model.num_parameters() == sum(p.size for p in model.params.values())


def test_needs_input_grad_off_returns_none_and_keeps_param_grads(rng):
    D = small_discriminator(0)
    D.needs_input_grad = False
    y = D.forward(rng.standard_normal((2, 1, 4, 4)).astype(np.float32))
    assert D.backward(np.ones_like(y)) is None
    assert D.grads["0.weight"].any()


def test_train_eval_reaches_every_layer():
    model = nn.Sequential(small_generator(4, 0), nn.Dropout(0.5))
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_switching_off_input_grad_reaches_through_flatten():
    """A discriminator starting with Flatten: its first Dense skips dx, and parameter gradients
    are those of a full backward."""
    from minigan.models.mlp import mlp_discriminator
    x = normal(0, (3, 1, 28, 28)).astype(np.float32)
    full, skipped = mlp_discriminator(rng=0), mlp_discriminator(rng=0)
    skipped.needs_input_grad = False
    assert not skipped[1].needs_input_grad and skipped[3].needs_input_grad
    dy = np.ones((3, 1), np.float32)
    full.forward(x)
    full.backward(dy)
    skipped.forward(x)
    assert skipped.backward(dy) is None
    for k in full.grads:
        np.testing.assert_array_equal(skipped.grads[k], full.grads[k])
    skipped.needs_input_grad = True
    assert skipped[1].needs_input_grad and skipped.backward(dy).shape == x.shape
