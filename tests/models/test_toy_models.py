"""The toy MLP builders: layer layout, shapes, the mini-batch layer, the feature-matching cut,
reproducible initialisation, and evaluation helpers that leave training mode and training noise alone."""
import numpy as np
import pytest

from minigan import nn
from minigan.backend import to_device
from minigan.models import feature_layer, generate, in_eval_mode, toy_discriminator, toy_generator
from tests.fake_device import fake_cuda


def kinds(model):
    return [type(layer).__name__ for layer in model.layers]


def test_generator_layout_and_shapes():
    G = toy_generator(3, 2, hidden=16, depth=2, rng=0)
    assert kinds(G) == ["Dense", "ReLU", "Dense", "ReLU", "Dense"]
    assert [G[i].params["weight"].shape for i in (0, 2, 4)] == [(16, 3), (16, 16), (2, 16)]
    z = np.random.default_rng(1).standard_normal((7, 3)).astype(np.float32)
    x = G.forward(z)
    assert x.shape == (7, 2) and x.dtype == np.float32
    assert G.backward(np.ones_like(x)).shape == z.shape


def test_generator_output_is_linear_not_squashed():
    G = toy_generator(2, 1, hidden=8, depth=1, rng=0)
    G[2].params["weight"][...] = 0.0
    G[2].params["bias"][...] = 5.0                           # a tanh output could not reach 5
    assert G.forward(np.ones((3, 2), np.float32))[:, 0] == pytest.approx([5.0] * 3)


def test_generator_with_batch_norm_has_no_bias_before_it():
    G = toy_generator(2, 2, hidden=8, depth=2, batch_norm=True, rng=0)
    assert kinds(G) == ["Dense", "BatchNorm1d", "ReLU", "Dense", "BatchNorm1d", "ReLU", "Dense"]
    assert "bias" not in G[0].params and "bias" not in G[3].params and "bias" in G[6].params


def test_discriminator_layout_with_and_without_minibatch():
    D = toy_discriminator(2, hidden=16, depth=2, rng=0)
    assert kinds(D) == ["Dense", "LeakyReLU", "Dense", "LeakyReLU", "Dense"]
    assert D[1].negative_slope == 0.2
    M = toy_discriminator(2, hidden=16, depth=2, minibatch=(5, 3), rng=0)
    assert kinds(M) == ["Dense", "LeakyReLU", "Dense", "LeakyReLU", "MinibatchDiscrimination", "Dense"]
    assert M[4].params["weight"].shape == (16, 15)
    assert M[5].params["weight"].shape == (1, 16 + 5)
    x = np.random.default_rng(1).standard_normal((6, 2)).astype(np.float32)
    for model in (D, M):
        logits = model.forward(x)
        assert logits.shape == (6, 1)
        assert model.backward(np.ones_like(logits)).shape == x.shape


def test_minibatch_discriminator_sees_a_collapsed_batch():
    """The same point scores differently alone among spread points and among copies of itself."""
    M = toy_discriminator(2, hidden=16, depth=1, minibatch=(4, 2), rng=0)
    point = np.array([[0.5, -0.5]], np.float32)
    spread = np.random.default_rng(2).uniform(-3, 3, (15, 2)).astype(np.float32)
    copies = np.repeat(point, 15, axis=0)
    among_spread = M.forward(np.concatenate([point, spread]))[0, 0]
    among_copies = M.forward(np.concatenate([point, copies]))[0, 0]
    assert abs(among_spread - among_copies) > 1e-3
    plain = toy_discriminator(2, hidden=16, depth=1, rng=0)
    assert plain.forward(np.concatenate([point, spread]))[0, 0] == pytest.approx(
        plain.forward(np.concatenate([point, copies]))[0, 0])


def test_feature_layer_cuts_after_the_last_hidden_activation():
    for minibatch in (None, (3, 2)):
        D = toy_discriminator(2, hidden=8, depth=3, minibatch=minibatch, rng=0)
        k = feature_layer(D)
        assert k == 6 and isinstance(D[k - 1], nn.LeakyReLU)
        assert isinstance(D[k], (nn.Dense, nn.MinibatchDiscrimination))
    with pytest.raises(ValueError):
        feature_layer(toy_discriminator(2, hidden=8, depth=0, rng=0))


def test_same_seed_same_weights_other_seed_other_weights():
    a, b, c = (toy_generator(2, 2, hidden=8, depth=2, rng=s) for s in (0, 0, 1))
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not all(np.array_equal(a.params[k], c.params[k]) for k in a.params)


def test_generate_uses_eval_mode_and_restores_the_mode():
    G = toy_generator(2, 2, hidden=8, depth=1, batch_norm=True, rng=0)
    z = np.random.default_rng(3).standard_normal((32, 2))
    G.train()
    G.forward(z.astype(np.float32))                         # moves the running statistics once
    running = G[1].buffers["running_mean"].copy()
    out = generate(G, z)
    assert G.training and all(m.training for m in G.modules())
    np.testing.assert_array_equal(G[1].buffers["running_mean"], running)    # eval: statistics untouched
    G.eval()
    np.testing.assert_allclose(out, G.forward(z.astype(np.float32)), rtol=1e-6)
    G.train()
    assert not np.allclose(out, G.forward(z.astype(np.float32)))          # batch statistics differ
    assert isinstance(out, np.ndarray) and out.dtype == np.float32


def test_in_eval_mode_restores_training_even_after_an_error():
    G = toy_generator(2, 2, hidden=4, depth=1, rng=0)
    with pytest.raises(ValueError):
        in_eval_mode(G, np.zeros((3, 5), np.float32))
    assert G.training


@pytest.mark.parametrize("where", ["cpu", "cuda"])
def test_generate_takes_codes_from_either_side_for_a_generator_on_the_device(where):
    G = toy_generator(2, 2, hidden=8, depth=1, rng=0)
    z = np.random.default_rng(3).standard_normal((16, 2))
    expected = generate(G, z)
    with fake_cuda():
        G.to("cuda")
        out = generate(G, to_device(z, where))
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-6)
