"""generate and latent_inputs: images from fixed codes, with G's mode and statistics left alone."""
import numpy as np
import pytest

from minigan.gan.sampling import generate, latent_inputs
from tests.gan.helpers import image_trainer

Z_DIM = 8


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_generate_leaves_mode_and_running_statistics_alone(mode):
    trainer = image_trainer(z_dim=Z_DIM)
    trainer.train_step()
    G = trainer.G
    before = {k: v.copy() for k, v in G.buffers.items()}
    z = latent_inputs(32, Z_DIM, np.random.default_rng(0))
    images = generate(G, z, batch_size=10, mode=mode)
    assert images.shape == (32, 28, 28) and images.dtype == np.float32
    assert G.training
    for k, v in G.buffers.items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


def test_eval_mode_images_do_not_depend_on_the_batch():
    G = image_trainer(z_dim=Z_DIM).G
    trainer_step_G = G  # running statistics at their initial values are fine for this property
    z = latent_inputs(20, Z_DIM, np.random.default_rng(0))
    whole, pieces = generate(trainer_step_G, z, batch_size=20), generate(trainer_step_G, z, batch_size=7)
    np.testing.assert_allclose(whole, pieces, atol=1e-6)
    in_train = generate(G, z, batch_size=7, mode="train")
    assert not np.allclose(in_train, generate(G, z, batch_size=20, mode="train"), atol=1e-6)
