"""SemiSupervisedGANTrainer and its baseline, LabelledOnlyTrainer, on tiny float64 networks."""
import numpy as np
import pytest

from minigan import optim
from minigan.data.batches import EpochSampler
from minigan.gan import GANConfig
from minigan.gan.semi_supervised import LabelledOnlyTrainer, SemiSupervisedGANTrainer
from minigan.models.semi_supervised import feature_layers, semi_supervised_classifier, semi_supervised_generator
from minigan.semi_supervised_losses import discriminator_loss

SHAPE = (1, 4, 4)


def networks(seed=0, noise=0.0):
    D = semi_supervised_classifier(num_classes=3, hidden=(8, 6), input_noise=noise, noise=noise,
                                   image_shape=SHAPE, rng=seed, dtype="float64")
    G = semi_supervised_generator(z_dim=5, hidden=(7,), image_shape=SHAPE, rng=seed + 1, dtype="float64")
    return G, D


def data(seed=5, n=40, n_labelled=9):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n,) + SHAPE)
    return EpochSampler(x), EpochSampler(x[:n_labelled], np.arange(n_labelled) % 3)


def trainer(seed=0, weight=0.5, noise=0.0, lr=1e-2):
    G, D = networks(seed, noise)
    unlabelled, labelled = data()
    config = GANConfig(batch_size=4, z_dim=5, seed=seed, feature_matching=feature_layers(D))
    return SemiSupervisedGANTrainer(G, D, optim.Adam(G, lr=lr), optim.Adam(D, lr=lr), unlabelled, labelled,
                                    config, unsupervised_weight=weight)


def test_the_d_step_descends_the_whole_k_plus_one_loss_on_the_batches_it_drew():
    """D's three passes accumulate: the gradient equals one backward pass over the three batches
    stacked, with discriminator_loss's gradients; the recorded loss is that loss."""
    t = trainer()
    state = (t.rng.bit_generator.state, t.data.state_dict(), t.labelled.state_dict())
    captured = {}
    step = t.d_optimizer.step
    t.d_optimizer.step = lambda: captured.update({k: v.copy() for k, v in t.D.grads.items()})
    record = t.discriminator_step()
    t.d_optimizer.step = step
    # replay the same draws: labelled batch, unlabelled batch, then G's noise
    t.rng.bit_generator.state = state[0]
    t.data.load_state_dict(state[1])
    t.labelled.load_state_dict(state[2])
    x_lab = t.labelled.sample(4, t.rng)
    y_lab = t.labelled.last_labels
    x_unl = t.data.sample(4, t.rng)
    fake = t.G.forward(t.noise(4))
    t.D.zero_grad()
    logits = t.D.forward(np.concatenate([x_lab, x_unl, fake]))
    value, grads = discriminator_loss(logits[:4], y_lab, logits[4:8], logits[8:], 0.5)
    t.D.backward(np.concatenate(grads))
    assert record["d_loss"] == pytest.approx(float(value), rel=1e-12)
    for name, grad in t.D.grads.items():
        np.testing.assert_allclose(captured[name], grad, rtol=1e-10, atol=1e-14, err_msg=name)


def test_with_no_unsupervised_weight_d_takes_the_baselines_steps():
    """w = 0 leaves the labelled term alone: from the same weights and labelled batches, D and the
    baseline take the same steps (the baseline is the same network and the same supervised term)."""
    t = trainer(weight=0.0)
    _, D = networks()
    baseline = LabelledOnlyTrainer(D, optim.Adam(D, lr=1e-2), data()[1], batch_size=4)
    baseline.rng.bit_generator.state = t.rng.bit_generator.state
    t.discriminator_step()
    baseline.train_step()
    for name, p in t.D.params.items():
        np.testing.assert_allclose(p, baseline.model.params[name], rtol=1e-12, err_msg=name)


def test_the_unsupervised_terms_change_d():
    a, b = trainer(weight=0.0), trainer(weight=0.5)
    a.discriminator_step(), b.discriminator_step()
    assert not np.allclose(a.D.params["2.weight"], b.D.params["2.weight"])


def test_g_is_trained_by_feature_matching_and_d_is_left_alone():
    t = trainer()
    t.discriminator_step()
    before = {k: v.copy() for k, v in t.D.params.items()}
    record = t.generator_step()
    assert record["g_loss"] > 0
    for name, p in t.D.params.items():
        np.testing.assert_array_equal(p, before[name])


def test_feature_matching_is_required():
    G, D = networks()
    with pytest.raises(ValueError, match="feature matching"):
        SemiSupervisedGANTrainer(G, D, optim.Adam(G), optim.Adam(D), *data(), GANConfig(z_dim=5))


@pytest.mark.parametrize("which", ["semi_supervised", "baseline"])
def test_resume_continues_bit_for_bit(tmp_path, which):
    """The noise layers' draws, both samplers and both rngs come back: 3 + 3 steps equal 6."""
    def build():
        if which == "semi_supervised":
            return trainer(noise=0.3)
        _, D = networks(noise=0.3)
        return LabelledOnlyTrainer(D, optim.Adam(D, lr=1e-2), data()[1], batch_size=4)

    def params(t):
        model = t.D if which == "semi_supervised" else t.model
        return {k: v.copy() for k, v in model.params.items()}

    straight = build()
    for _ in range(6):
        straight.train_step()
    first = build()
    for _ in range(3):
        first.train_step()
    first.save(tmp_path / "c.npz")
    second = build()
    second.load(tmp_path / "c.npz")
    for _ in range(3):
        second.train_step()
    assert second.step == 6 and len(second.history) == 6
    for name, p in params(straight).items():
        np.testing.assert_array_equal(params(second)[name], p, err_msg=name)
