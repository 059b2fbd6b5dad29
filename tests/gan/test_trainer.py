import numpy as np
import pytest

from minigan.gan import GANTrainer
from minigan.metrics.modes import mode_metrics
from tests.gan.helpers import snapshot, toy_trainer


def test_discriminator_step_leaves_the_generator_untouched():
    trainer = toy_trainer()
    before = snapshot(trainer)
    trainer.discriminator_step()
    after = snapshot(trainer)
    g_weights = [k for k in before if k.startswith("G/") and "running" not in k]
    assert all(np.array_equal(before[k], after[k]) for k in g_weights)
    assert any(not np.array_equal(before[k], after[k]) for k in before if k.startswith("D/"))


def test_generator_step_leaves_the_discriminator_untouched():
    trainer = toy_trainer()
    trainer.discriminator_step()
    before, d_grads = snapshot(trainer), {k: v.copy() for k, v in trainer.D.grads.items()}
    trainer.generator_step()
    after = snapshot(trainer)
    assert all(np.array_equal(before[k], after[k]) for k in before if k.startswith("D/"))
    assert any(not np.array_equal(before[k], after[k]) for k in before if k.startswith("G/"))
    for k, g in trainer.D.grads.items():
        assert np.array_equal(g, d_grads[k]), f"D's gradient {k} changed in G's step"
    assert trainer.D.requires_grad and trainer.D.needs_input_grad


def test_generator_gradient_matches_a_hand_computed_chain(rng):
    """G's step must use dL_G/dx_fake computed by D's backward: compare with a direct computation."""
    trainer = toy_trainer(seed=3)
    trainer.G.eval()
    state = trainer.rng.bit_generator.state
    weights = {k: v.copy() for k, v in trainer.G.params.items()}
    trainer.generator_step()
    g_grad = trainer.G.grads["0.weight"].copy()
    # Replay the same noise and weights by hand: D backward with the generator loss, then G backward.
    trainer.rng.bit_generator.state = state
    for k, v in weights.items():
        trainer.G.params[k] = v
    z = trainer.noise(trainer.config.batch_size)
    G, D = trainer.G, trainer.D
    G.zero_grad()
    G.needs_input_grad = True
    logits = D.forward(G.forward(z))
    _, dlogits = trainer.generator_loss.generator(logits)
    D.requires_grad_(False)
    G.backward(D.backward(dlogits))
    np.testing.assert_allclose(G.grads["0.weight"], g_grad, rtol=1e-6)


def test_k_discriminator_steps_per_generator_step():
    trainer = toy_trainer(d_steps=3)
    calls = []
    original = trainer.d_optimizer.step
    trainer.d_optimizer.step = lambda: (calls.append("d"), original())
    trainer.train_step()
    assert calls == ["d", "d", "d"] and trainer.step == 1


def test_same_seed_same_numbers():
    a, b = toy_trainer(seed=5), toy_trainer(seed=5)
    a.fit(15, progress=False)
    b.fit(15, progress=False)
    assert a.history.records == b.history.records
    for k, v in snapshot(a).items():
        np.testing.assert_array_equal(v, snapshot(b)[k])


def test_history_records_every_step_with_probabilities():
    trainer = toy_trainer()
    trainer.fit(5, progress=False)
    assert trainer.history["step"] == [1, 2, 3, 4, 5]
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "d_accuracy"):
        assert len(trainer.history[key]) == 5
    assert all(0 <= v <= 1 for v in trainer.history["d_real"] + trainer.history["d_accuracy"])


@pytest.mark.parametrize("loss", ["minimax", "non-saturating", "least-squares", "hinge", "wasserstein"])
def test_every_loss_trains_without_error(loss):
    trainer = toy_trainer(loss=loss)
    trainer.fit(3, progress=False)
    assert np.isfinite(trainer.history["d_loss"]).all() and np.isfinite(trainer.history["g_loss"]).all()


def test_wasserstein_clips_critic_weights():
    trainer = toy_trainer(loss="wasserstein", lr=0.5)
    assert trainer.config.clip == 0.01
    trainer.fit(2, progress=False)
    assert max(np.abs(p).max() for p in trainer.D.params.values()) <= 0.01


def test_short_training_moves_generated_points_onto_the_modes():
    trainer = toy_trainer(seed=0, dataset="grid", hidden=64, lr=2e-3)
    toy = trainer.data

    def quality():
        trainer.G.eval()
        x = trainer.G.forward(trainer.noise(2500))
        trainer.G.train()
        report = mode_metrics(x, toy.modes, 0.5)      # a loose 1.5-unit radius: early training
        return report.high_quality_fraction, report.modes_captured

    before = quality()
    trainer.fit(600, progress=False)
    after = quality()
    # Untrained, G maps everything near the origin (one mode); trained, it spreads over the grid.
    assert before[1] <= 2 and after[1] >= 20 and after[0] >= 0.8, (before, after)


def test_fit_writes_checkpoints(tmp_path):
    trainer = toy_trainer()
    trainer.fit(4, progress=False, checkpoint_path=tmp_path / "ck.npz", checkpoint_every=2)
    assert (tmp_path / "ck.npz").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["ck.npz"], "a temporary file was left behind"


def test_trainer_needs_a_sequential_for_feature_matching():
    trainer = toy_trainer(feature_matching=2)
    assert len(trainer.features) == 2 and trainer.features[0] is trainer.D[0]
    assert isinstance(trainer, GANTrainer)


class DeviceBatches:
    """A data source whose batches already live on the device (a dataset moved there)."""

    def __init__(self, toy):
        self.toy = toy

    def sample(self, n, rng):
        from minigan.backend import to_device
        return to_device(np.asarray(self.toy.sample(n, rng), dtype=np.float64), "cuda")


@pytest.mark.parametrize("fast", [False, True])
def test_a_trainer_on_the_device_takes_batches_that_are_already_there(fast):
    """Host or device batches, readable or fast layers: the step runs on the device, in D's dtype."""
    from minigan import accel
    from minigan.backend import device_of
    from tests.fake_device import fake_cuda
    trainer = toy_trainer(seed=3)
    trainer.data = DeviceBatches(trainer.data)
    if fast:
        accel.apply(trainer.G, trainer.D, trainer.g_optimizer, trainer.d_optimizer)
    with fake_cuda():
        trainer.G.to("cuda")
        trainer.D.to("cuda")
        batch = trainer.real_batch(8)
        assert device_of(batch) == "cuda" and batch.dtype == np.float32
        for _ in range(2):
            record = trainer.train_step()
        assert np.isfinite(record["d_loss"]) and np.isfinite(record["g_loss"])
        states = [v for opt in (trainer.g_optimizer, trainer.d_optimizer) for slot in opt.state.values()
                  for v in slot.values()]
        assert states and all(device_of(v) == "cuda" for v in states)


def test_the_record_holds_the_norm_of_gs_gradient():
    """g_grad_norm is ||dL_G/dtheta_G||: the gradients G's optimizer just applied (still in G.grads)."""
    trainer = toy_trainer(seed=4)
    record = trainer.train_step()
    expected = np.sqrt(sum((g.astype(np.float64) ** 2).sum() for g in trainer.G.grads.values()))
    assert record["g_grad_norm"] == pytest.approx(expected, rel=1e-12) and expected > 0
    assert trainer.history.records[-1]["g_grad_norm"] == record["g_grad_norm"]
