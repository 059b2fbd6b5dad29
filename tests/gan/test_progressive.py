"""The progressive run: real images per phase, optimizer carry-over, the weight average, and an
exact resume across phase boundaries (synthetic images, tiny networks)."""
import numpy as np
import pytest

from minigan import nn, optim
from minigan.data.batches import EpochSampler
from minigan.gan import GANConfig
from minigan.gan.checkpoint import load_checkpoint
from minigan.gan.progressive import ProgressiveRun, carry_over, real_at
from minigan.models.progressive import GrowthSchedule, ProgressiveGAN


def images(n=64, seed=0):
    return np.tanh(np.random.default_rng(seed).standard_normal((n, 1, 28, 28))).astype(np.float32)


def make_run(out, total=8 * 40, style="karras", **kwargs):
    growth = ProgressiveGAN(z_dim=4, widths=(4, 3, 2) if style == "karras" else (4, 3, 1), rng=0, style=style)
    schedule = GrowthSchedule.from_total(total, 8)             # phases of 4, 4, 6, 6, 20 steps
    config = GANConfig(batch_size=8, z_dim=4, seed=0)
    return ProgressiveRun(growth, schedule, EpochSampler(images()), out, config, num_samples=16, frames=2,
                          checkpoint_every=7, progress=False, log=lambda message: None, **kwargs)


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


def test_weight_average_follows_a_new_block_closely_then_slowly(tmp_path):
    run = make_run(tmp_path)
    key = next(k for k, _, _ in run._live_weights())
    block, name = next((b, n) for k, b, n in run._live_weights() if k == key)
    run.update_average()
    np.testing.assert_array_equal(run.averages[key], block.params[name])
    before = run.averages[key].copy()
    block.params[name] += 1
    run.update_average()                                              # decay (1 + 1) / (10 + 1)
    np.testing.assert_allclose(run.averages[key], before + 9 / 11, rtol=1e-5)


def test_the_run_grows_through_every_phase_and_writes_its_files(tmp_path):
    run = make_run(tmp_path)
    run.train()
    metrics = run.finish()
    assert [p["phase"] for p in run.phases] == ["stable_7", "fade_14", "stable_14", "fade_28", "stable_28"]
    assert run.trainer.G.forward(np.zeros((4, 4), np.float32)).shape == (4, 1, 28, 28)
    assert metrics["steps"] == 40 and not any(isinstance(m, nn.FadeIn) for m in run.trainer.G.modules())
    samples = np.load(tmp_path / "samples.npy")
    assert samples.shape == (16, 28, 28) and samples.dtype == np.float32 and np.abs(samples).max() <= 1
    for name in ("growth.gif", "curves.png", "phases.json", "phases.png", "history.csv", "grids/start.png",
                 "grids/fade_28.png"):
        assert (tmp_path / name).is_file(), name


def test_a_batch_norm_generator_draws_its_average_with_statistics_of_its_own(tmp_path):
    """The dcgan style's averaged G recomputes its running statistics before it draws: its images
    do not depend on G's own, and G's statistics, weights and mode are as they were."""
    run = make_run(tmp_path, style="dcgan")
    run.train(until=6)
    G = run.trainer.G
    assert G.buffers and run.averages
    images = run.draw(run.sample_inputs)
    for name in list(G.buffers):
        G.buffers[name] = G.buffers[name] + 5.0                 # statistics that belong to no weights
    buffers, params = ({k: v.copy() for k, v in store.items()} for store in (G.buffers, G.params))
    np.testing.assert_array_equal(run.draw(run.sample_inputs), images)
    for store, before in ((G.buffers, buffers), (G.params, params)):
        for name, value in before.items():
            np.testing.assert_array_equal(store[name], value, err_msg=name)
    assert G.training


@pytest.fixture(scope="module", params=["karras", "dcgan"])
def straight(request, tmp_path_factory):
    run = make_run(tmp_path_factory.mktemp("straight"), style=request.param)
    run.train()
    return run


@pytest.mark.parametrize("stop", [6, 14])      # mid-fade (past a periodic checkpoint), a phase boundary
def test_resume_continues_bit_identically(tmp_path, straight, stop):
    """Both styles; the dcgan style adds batch-norm statistics and the average's recalibration."""
    style = straight.growth.style
    split = make_run(tmp_path / "split", style=style)
    split.train(until=stop)
    split.save()
    resumed = make_run(tmp_path / "split", style=style)
    assert resumed.resume() == stop
    resumed.train()
    a, meta_a = load_checkpoint(straight.out / "checkpoint.npz")
    b, meta_b = load_checkpoint(tmp_path / "split" / "checkpoint.npz")
    assert sorted(a) == sorted(b) and meta_a["step"] == meta_b["step"] == 40
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    np.testing.assert_array_equal(straight.draw(straight.sample_inputs), resumed.draw(resumed.sample_inputs))
