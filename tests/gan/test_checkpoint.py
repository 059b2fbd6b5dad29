import numpy as np
import pytest

from minigan.gan import CheckpointError, load_checkpoint, save_checkpoint
from minigan.gan.checkpoint import FORMAT_VERSION
from tests.gan.helpers import snapshot, toy_trainer

STABILISED = dict(replay_size=50, replay_fraction=0.5, instance_noise=0.1, label_smoothing=0.1, dropout=True,
                  g_average=0.99)


@pytest.mark.parametrize("options", [{}, STABILISED], ids=["plain", "stabilised"])
def test_resume_gives_identical_parameters_to_an_uninterrupted_run(tmp_path, options):
    straight = toy_trainer(seed=2, **options)
    straight.fit(20, progress=False)

    first = toy_trainer(seed=2, **options)
    first.fit(9, progress=False, checkpoint_path=tmp_path / "run.npz")
    resumed = toy_trainer(seed=2, **options)        # a fresh process would build the same objects
    resumed.load(tmp_path / "run.npz")
    assert resumed.step == 9
    resumed.fit(20, progress=False)

    assert resumed.history.records == straight.history.records
    expected = snapshot(straight)
    for key, value in snapshot(resumed).items():
        np.testing.assert_array_equal(value, expected[key], err_msg=key)


def test_checkpoint_holds_weights_optimizer_state_step_seed_and_config(tmp_path):
    trainer = toy_trainer(seed=4)
    trainer.fit(3, progress=False)
    trainer.save(tmp_path / "c.npz")
    arrays, meta = load_checkpoint(tmp_path / "c.npz")
    assert meta["step"] == 3 and meta["seed"] == 4 and meta["config"]["loss"] == "non-saturating"
    assert meta["format_version"] == FORMAT_VERSION
    assert "G/0.weight" in arrays and "D/4.bias" in arrays and "G/1.running_mean" in arrays
    assert "g_optimizer/0.weight/exp_avg_sq" in arrays
    assert meta["optimizers"]["d_optimizer"]["step_count"] == 3


def test_loading_another_architecture_names_the_first_mismatch(tmp_path):
    toy_trainer(hidden=32).save(tmp_path / "a.npz")
    other = toy_trainer(hidden=16)
    with pytest.raises(CheckpointError, match=r"G parameter '0.weight' has shape \(32, 4\).*\(16, 4\)"):
        other.load(tmp_path / "a.npz")


def test_other_format_version_and_garbage_are_rejected(tmp_path):
    save_checkpoint(tmp_path / "v.npz", {"a": np.zeros(2)}, {"format_version": 99})
    with pytest.raises(CheckpointError, match="format version 99"):
        load_checkpoint(tmp_path / "v.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(CheckpointError, match="not a readable minigan checkpoint"):
        load_checkpoint(tmp_path / "junk.npz")


def test_failed_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    save_checkpoint(tmp_path / "c.npz", {"a": np.ones(3)}, {"step": 1})

    def broken_savez(*args, **kwargs):
        raise KeyboardInterrupt          # killed half-way through writing

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path / "c.npz", {"a": np.zeros(3)}, {"step": 2})
    arrays, meta = load_checkpoint(tmp_path / "c.npz")
    assert meta["step"] == 1 and arrays["a"].tolist() == [1, 1, 1]
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]


def _weights(trainer):
    return {k: v.copy() for k, v in {**trainer.G.params, **trainer.D.params}.items()}


@pytest.mark.parametrize("other", ["another architecture", "SGD's state", "another model's Adam state"])
def test_a_checkpoint_that_does_not_fit_changes_nothing(tmp_path, other):
    """Everything is checked before anything is loaded: the trainer stays as it was."""
    from minigan import optim
    source = toy_trainer(seed=1)
    if other == "SGD's state":
        source.g_optimizer = optim.SGD(source.G, lr=0.1, momentum=0.9)
    source.train_step()
    source.save(tmp_path / "other.npz")
    arrays, meta = load_checkpoint(tmp_path / "other.npz")
    if other == "another architecture":                  # G fits, D does not: G must stay untouched
        arrays["D/2.weight"] = np.zeros((16, 32), np.float32)
    if other == "another model's Adam state":
        arrays["d_optimizer/0.weight/exp_avg"] = np.zeros((7, 7), np.float32)
    save_checkpoint(tmp_path / "other.npz", arrays, meta)
    trainer = toy_trainer(seed=2)
    trainer.train_step()
    before, step, history = _weights(trainer), trainer.step, list(trainer.history.records)
    moments = {k: v.copy() for k, v in trainer.g_optimizer.state["0.weight"].items()}
    with pytest.raises(CheckpointError, match="nothing was loaded|another architecture|shape"):
        trainer.load(tmp_path / "other.npz")
    after = _weights(trainer)
    assert after.keys() == before.keys() and all(np.array_equal(after[k], before[k]) for k in before)
    assert trainer.step == step and trainer.history.records == history
    assert type(trainer.g_optimizer) is optim.Adam
    for k, v in moments.items():
        np.testing.assert_array_equal(trainer.g_optimizer.state["0.weight"][k], v)


def test_leftovers_of_an_interrupted_write_are_found_and_removed(tmp_path):
    from minigan.gan.checkpoint import remove_leftovers
    (tmp_path / ".tmp-abc.npz").write_bytes(b"half")
    (tmp_path / ".tmp-def.json").write_text("{")
    (tmp_path / "checkpoint.npz").write_bytes(b"keep")
    assert remove_leftovers(tmp_path) == [".tmp-abc.npz", ".tmp-def.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.npz"]
