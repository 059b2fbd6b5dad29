"""minigan.metrics.push: the arrows -dL_G/dx against finite differences, and G's gradient norm
against the trainer's own generator step."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigan.data.toy import get_toy
from minigan.gan import GANConfig, GANTrainer
from minigan.gan.trainer import gradient_norm
from minigan.losses import get_loss
from minigan.metrics.push import generator_gradient_norm, sample_push
from minigan.models import toy_discriminator, toy_generator
from minigan.optim import Adam
from tests.strategies import seeds


def generator_loss(D, x, loss):
    return float(get_loss(loss).generator_term(D.forward(x))[0])


@given(seeds, st.sampled_from(["minimax", "non-saturating", "wasserstein"]), st.booleans())
def test_push_is_minus_the_gradient_of_gs_loss_by_finite_differences(seed, loss, minibatch):
    """Central differences of L_G(x) in float64, every coordinate of every sample; with a
    mini-batch layer each sample's push depends on the whole batch, and still matches."""
    D = toy_discriminator(2, hidden=6, depth=2, minibatch=(2, 2) if minibatch else None, rng=seed).astype("float64")
    x = np.random.default_rng(seed).standard_normal((5, 2))
    push = sample_push(D, x, loss)
    numeric = np.zeros_like(x)
    h = 1e-6
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = -(generator_loss(D, up, loss) - generator_loss(D, down, loss)) / (2 * h)
    np.testing.assert_allclose(push, numeric, rtol=1e-5, atol=1e-9)


def test_minimax_push_is_the_non_saturating_push_scaled_by_d_over_1_minus_d():
    """dL/dl is -D/N (minimax) against -(1 - D)/N (non-saturating): the same direction, another size."""
    D = toy_discriminator(2, hidden=8, depth=2, rng=3).astype("float64")
    x = 3 * np.random.default_rng(4).standard_normal((20, 2))
    d = 1 / (1 + np.exp(-D.forward(x)))
    np.testing.assert_allclose(sample_push(D, x, "minimax"), sample_push(D, x, "non-saturating") * d / (1 - d),
                               rtol=1e-10)


def test_push_leaves_ds_weights_gradients_and_switches_as_they_were():
    D = toy_discriminator(2, hidden=8, depth=2, rng=0)
    D.zero_grad()
    D.needs_input_grad = False
    before = {k: v.copy() for k, v in D.grads.items()}
    sample_push(D, np.ones((4, 2), np.float32), "non-saturating")
    assert all(np.array_equal(before[k], D.grads[k]) for k in before)
    assert not D.needs_input_grad and all(m.requires_grad for m in D.modules())


def test_generator_gradient_norm_equals_the_trainers_generator_step():
    """The same noise through G and D: the norm the trainer records as g_grad_norm."""
    G, D = toy_generator(3, 2, 16, 2, rng=0), toy_discriminator(2, 16, 2, rng=1)
    config = GANConfig(loss="minimax", batch_size=32, z_dim=3, seed=0)
    trainer = GANTrainer(G, D, Adam(G, lr=1e-3), Adam(D, lr=1e-3), get_toy("ring"), config)
    for _ in range(5):
        trainer.train_step()
    z = np.random.default_rng(9).standard_normal((32, 3)).astype(np.float32)
    ours = generator_gradient_norm(G, D, z, "minimax")
    trainer.generator_gradients(G.forward(z))
    assert ours == pytest.approx(float(gradient_norm(G)), rel=1e-6)
