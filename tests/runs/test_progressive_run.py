"""ProgressiveRun: the run directory it writes, and an exact resume across phase boundaries
(synthetic images, tiny networks)."""
import numpy as np
import pytest

from minigan import nn
from minigan.data.batches import EpochSampler
from minigan.gan import GANConfig
from minigan.gan.checkpoint import load_checkpoint
from minigan.models.progressive import GrowthSchedule, ProgressiveGAN
from minigan.runs.progressive_run import ProgressiveRun


def images(n=64, seed=0):
    return np.tanh(np.random.default_rng(seed).standard_normal((n, 1, 28, 28))).astype(np.float32)


def make_run(out, total=8 * 40, style="karras", **kwargs):
    growth = ProgressiveGAN(z_dim=4, widths=(4, 3, 2) if style == "karras" else (4, 3, 1), rng=0, style=style)
    schedule = GrowthSchedule.from_total(total, 8)             # phases of 4, 4, 6, 6, 20 steps
    config = GANConfig(batch_size=8, z_dim=4, seed=0)
    return ProgressiveRun(growth, schedule, EpochSampler(images()), out, config, num_samples=16, frames=2,
                          checkpoint_every=7, progress=False, log=lambda message: None, **kwargs)


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
