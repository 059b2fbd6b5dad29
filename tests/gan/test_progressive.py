"""Progressive training: real images per phase, optimizer carry-over, growth through every phase,
and the weight average (synthetic images, tiny networks)."""
import numpy as np

from minigan import nn, optim
from minigan.data.batches import EpochSampler
from minigan.gan import GANConfig
from minigan.gan.progressive import ProgressiveTrainer, carry_over, real_at
from minigan.gan.sampling import latent_inputs
from minigan.models.progressive import GrowthSchedule, ProgressiveGAN


def images(n=64, seed=0):
    return np.tanh(np.random.default_rng(seed).standard_normal((n, 1, 28, 28))).astype(np.float32)


def make_progressive(style="karras", total=8 * 40):
    growth = ProgressiveGAN(z_dim=4, widths=(4, 3, 2) if style == "karras" else (4, 3, 1), rng=0, style=style)
    schedule = GrowthSchedule.from_total(total, 8)             # phases of 4, 4, 6, 6, 20 steps
    return ProgressiveTrainer(growth, schedule, EpochSampler(images()), GANConfig(batch_size=8, z_dim=4, seed=0))


def train(progressive, until):
    """The training loop of minigan.gan.progressive's docstring."""
    def after_step(trainer, record):
        progressive.after_step(trainer.step)
        if trainer.step == progressive.phase.end:
            progressive.advance()
    progressive.trainer.fit(until, callback=after_step, progress=False)


def test_real_images_at_each_phase_match_the_pooled_definition():
    x = images(3).astype(np.float64)
    x7 = x.reshape(3, 1, 7, 4, 7, 4).mean(axis=(3, 5))
    x14 = x.reshape(3, 1, 14, 2, 14, 2).mean(axis=(3, 5))
    np.testing.assert_allclose(real_at(x, 7), x7, rtol=1e-12)
    np.testing.assert_array_equal(real_at(x, 28), x)
    blended = real_at(x, 14, alpha=0.25)
    np.testing.assert_allclose(blended, 0.75 * np.repeat(np.repeat(x7, 2, axis=2), 2, axis=3) + 0.25 * x14,
                               rtol=1e-12)


def test_carry_over_keeps_the_moments_of_weights_that_stay():
    shared, new_layer = nn.Dense(3, 2, rng=0), nn.Dense(2, 1, rng=1)
    old_model = nn.Sequential(shared)
    opt = optim.Adam(old_model, lr=0.01, betas=(0.0, 0.99))
    for _ in range(3):
        old_model.zero_grad()
        old_model.backward(np.ones_like(old_model.forward(np.ones((4, 3), np.float32))))
        opt.step()
    grown = nn.Sequential(shared, nn.LeakyReLU(0.2), new_layer)
    new = carry_over(opt, grown)
    assert new.hyper == opt.hyper and new.step_count == 0            # new weights: the count restarts
    assert new.state["0.weight"] is opt.state["0.weight"] and "2.weight" not in new.state
    same = carry_over(new, nn.Sequential(shared))                      # nothing new: the count goes on
    assert same.step_count == new.step_count and "0.weight" in same.state


def test_training_grows_through_every_phase_to_full_size():
    progressive = make_progressive()
    train(progressive, 40)
    assert progressive.phase.name == "stable_28" and progressive.trainer.step == 40
    G = progressive.trainer.G
    assert G.forward(np.zeros((4, 4), np.float32)).shape == (4, 1, 28, 28)
    assert not any(isinstance(m, nn.FadeIn) for m in G.modules())
    assert progressive.draw(latent_inputs(5, 4, np.random.default_rng(0))).shape == (5, 28, 28)


def test_weight_average_follows_a_new_block_closely_then_slowly():
    progressive = make_progressive()
    key, block, name = next(progressive.live_weights())
    progressive.update_average()
    np.testing.assert_array_equal(progressive.averages[key], block.params[name])
    before = progressive.averages[key].copy()
    block.params[name] += 1
    progressive.update_average()                                      # decay (1 + 1) / (10 + 1)
    np.testing.assert_allclose(progressive.averages[key], before + 9 / 11, rtol=1e-5)


def test_a_batch_norm_generator_draws_its_average_with_statistics_of_its_own():
    """The dcgan style's averaged G recomputes its running statistics before it draws: its images
    do not depend on G's own, and G's statistics, weights and mode are as they were."""
    progressive = make_progressive(style="dcgan")
    train(progressive, 6)
    G, codes = progressive.trainer.G, latent_inputs(16, 4, np.random.default_rng(0))
    assert G.buffers and progressive.averages
    images = progressive.draw(codes)
    for name in list(G.buffers):
        G.buffers[name] = G.buffers[name] + 5.0                 # statistics that belong to no weights
    buffers, params = ({k: v.copy() for k, v in store.items()} for store in (G.buffers, G.params))
    np.testing.assert_array_equal(progressive.draw(codes), images)
    for store, before in ((G.buffers, buffers), (G.params, params)):
        for name, value in before.items():
            np.testing.assert_array_equal(store[name], value, err_msg=name)
    assert G.training
