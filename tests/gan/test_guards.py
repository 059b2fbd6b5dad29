import numpy as np
import pytest

from minigan.gan.guards import NonFiniteError, first_nonfinite_gradient
from tests.gan.helpers import snapshot, toy_trainer


class PoisonedData:
    """Toy data that turns to NaN from a given call on."""

    def __init__(self, toy, bad_from):
        self.toy, self.bad_from, self.calls = toy, bad_from, 0

    def sample(self, n, rng):
        self.calls += 1
        x = self.toy.sample(n, rng)
        return x * np.nan if self.calls >= self.bad_from else x


def test_nan_data_stops_the_run_naming_step_and_layer_and_keeps_the_checkpoint(tmp_path):
    trainer = toy_trainer()
    trainer.data = PoisonedData(trainer.data, bad_from=6)
    with pytest.raises(NonFiniteError) as info:
        trainer.fit(10, progress=False, checkpoint_path=tmp_path / "c.npz", checkpoint_every=2)
    err = info.value
    assert err.step == 6 and "D[4] Dense" in err.where
    assert "step 6" in str(err) and "Dense 'weight'" in str(err) and "not updated" in str(err)
    saved = toy_trainer()
    saved.load(tmp_path / "c.npz")
    assert saved.step == 4
    assert all(np.isfinite(v).all() for v in snapshot(saved).values())
    assert all(np.isfinite(v).all() for v in snapshot(trainer).values()), "NaN reached the weights"


def test_rollback_reloads_the_checkpoint_and_lowers_learning_rates(tmp_path):
    trainer = toy_trainer(rollback=2, rollback_lr_factor=0.5, lr=1e-3)
    toy, calls = trainer.data, {"n": 0}

    class NaNOnce:                          # the 6th batch only is NaN, as after a bad read
        def sample(self, n, rng):
            calls["n"] += 1
            x = toy.sample(n, rng)
            return x * np.nan if calls["n"] == 6 else x

    trainer.data = NaNOnce()
    trainer.fit(8, progress=False, checkpoint_path=tmp_path / "c.npz", checkpoint_every=2)
    assert trainer.step == 8
    assert trainer.rollbacks == [{"failed_step": 6, "where": trainer.rollbacks[0]["where"], "resumed_from": 4,
                                  "g_lr": 5e-4, "d_lr": 5e-4}]
    assert trainer.g_optimizer.hyper["lr"] == 5e-4 and trainer.d_optimizer.hyper["lr"] == 5e-4


def test_without_rollback_budget_the_error_propagates(tmp_path):
    trainer = toy_trainer(rollback=0)
    trainer.data = PoisonedData(trainer.data, bad_from=3)
    with pytest.raises(NonFiniteError):
        trainer.fit(6, progress=False, checkpoint_path=tmp_path / "c.npz", checkpoint_every=1)


def test_first_nonfinite_gradient_scans_from_the_output():
    trainer = toy_trainer()
    trainer.D.grads["0.weight"][0, 0] = np.inf
    trainer.D.grads["2.bias"][0] = np.nan
    position, layer, name = first_nonfinite_gradient(trainer.D)
    assert (position, type(layer).__name__, name) == ("2", "Dense", "bias")
    trainer.D.zero_grad()
    assert first_nonfinite_gradient(trainer.D) is None


def test_state_that_overflows_from_finite_gradients_stops_the_run_before_a_checkpoint_keeps_it(tmp_path):
    """Gradients of 1e30 are finite, but Adam's v = g^2 overflows float32 to inf: the step after
    the update stops, naming the state, and save refuses to write it over the good checkpoint."""
    from minigan.gan.guards import NonFiniteError
    from tests.gan.helpers import toy_trainer
    trainer = toy_trainer(seed=0)
    trainer.train_step()
    trainer.save(tmp_path / "good.npz")
    good = (tmp_path / "good.npz").read_bytes()
    backward = trainer.D.backward
    trainer.D.backward = lambda dy: backward(dy * 1e30)
    with pytest.raises(NonFiniteError, match="state '.*exp_avg_sq' holds NaN or inf"):
        trainer.train_step()
    with pytest.raises(NonFiniteError, match="not writing"):
        trainer.save(tmp_path / "good.npz")
    assert (tmp_path / "good.npz").read_bytes() == good
