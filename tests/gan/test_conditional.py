"""The conditional GAN: labels reach both networks, and G's image depends on its label."""
import numpy as np
import pytest

from minigan.data.batches import EpochSampler
from minigan.gan import GANConfig
from minigan.gan.conditional import ConditionalGANTrainer
from minigan.models.conditional import conditional_discriminator, conditional_generator, label_maps, one_hot
from minigan.optim import Adam

C, Z_DIM = 10, 8


def make(seed=0, labels=True):
    rng = np.random.default_rng(seed)
    G, D = conditional_generator(Z_DIM, C, width=4, rng=rng), conditional_discriminator(C, width=4, rng=rng)
    x = rng.uniform(-1, 1, (40, 1, 28, 28)).astype(np.float32)
    y = np.arange(40) % C
    data = EpochSampler(x, y if labels else None)
    return ConditionalGANTrainer(G, D, Adam(G), Adam(D), data, GANConfig(batch_size=8, z_dim=Z_DIM, seed=seed))


def test_label_maps_are_one_hot_planes():
    onehot = one_hot(np.array([2, 0]), 3, np.zeros(1, np.float32))
    maps = label_maps(onehot, (4, 5))
    assert maps.shape == (2, 3, 4, 5) and maps.dtype == np.float32
    assert maps[0, 2].min() == 1 and maps[0, [0, 1]].max() == 0 and maps[1, 0].min() == 1


def test_generator_output_depends_on_the_label():
    G = make().G.eval()
    z = np.random.default_rng(0).standard_normal((1, Z_DIM)).astype(np.float32)
    images = [G.generator.forward(np.concatenate([z, one_hot(np.array([k]), C, z)], axis=1)) for k in range(C)]
    for k in range(1, C):
        assert np.abs(images[k] - images[0]).max() > 1e-4


def test_generator_carries_the_label_planes_and_passes_back_only_the_image_gradient():
    G = make().G
    zy = np.concatenate([np.zeros((3, Z_DIM), np.float32), one_hot(np.array([1, 5, 9]), C, np.zeros(1, np.float32))], 1)
    out = G.forward(zy)
    assert out.shape == (3, 1 + C, 28, 28)
    for row, k in enumerate([1, 5, 9]):
        assert out[row, 1 + k].min() == 1 and np.delete(out[row, 1:], k, axis=0).max() == 0
    dy = np.random.default_rng(0).standard_normal(out.shape).astype(np.float32)
    G.zero_grad()
    G.backward(dy)
    got = {k: v.copy() for k, v in G.grads.items()}
    G.zero_grad()
    G.generator.forward(zy)
    G.generator.backward(np.ascontiguousarray(dy[:, :1]))
    for k, v in G.grads.items():
        np.testing.assert_array_equal(got[k], v, err_msg=k)


def test_real_batch_carries_the_data_labels_and_fakes_carry_uniform_labels():
    trainer = make()
    real = trainer.real_batch(8)
    labels = trainer.data.last_labels
    assert real.shape == (8, 1 + C, 28, 28)
    np.testing.assert_array_equal(real[:, 1:, 0, 0].argmax(axis=1), labels)
    zy = trainer.noise(2000)
    assert zy.shape == (2000, Z_DIM + C)
    np.testing.assert_array_equal(zy[:, Z_DIM:].sum(axis=1), 1)
    counts = np.bincount(zy[:, Z_DIM:].argmax(axis=1), minlength=C)
    assert counts.min() > 150                  # uniform: 200 expected per class


def test_a_train_step_updates_both_networks():
    trainer = make()
    g0, d0 = dict(trainer.G.state_dict()), dict(trainer.D.state_dict())
    g0, d0 = {k: v.copy() for k, v in g0.items()}, {k: v.copy() for k, v in d0.items()}
    record = trainer.train_step()
    assert np.isfinite(record["d_loss"]) and np.isfinite(record["g_loss"])
    assert any(not np.array_equal(g0[k], v) for k, v in trainer.G.params.items())
    assert any(not np.array_equal(d0[k], v) for k, v in trainer.D.params.items())


def test_needs_labelled_data():
    with pytest.raises(ValueError, match="labelled"):
        make(labels=False)
