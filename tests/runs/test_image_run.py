"""ImageRun: the run directory it promises, scores of the average and the last iterate, exact resume."""
import json

import numpy as np
import pytest

from minigan.gan.checkpoint import load_checkpoint
from minigan.gan.sampling import generate
from minigan.metrics.score import QualityScorer
from minigan.runs.image_run import ImageRun
from tests.gan.helpers import image_trainer as tiny_trainer


def quiet(*_):
    pass


def test_run_directory_holds_every_promised_file(tmp_path):
    run = ImageRun(tiny_trainer(), tmp_path, steps_per_epoch=2, num_samples=50, progress=False, log=quiet)
    run.train(2)
    metrics = run.finish()
    names = {p.name for p in tmp_path.iterdir()}
    assert {"checkpoint.npz", "history.json", "history.csv", "epochs.json", "curves.png", "samples.npy",
            "metrics.json", "training.gif", "grids"} <= names
    assert sorted(p.name for p in (tmp_path / "grids").iterdir()) == ["epoch_000.png", "epoch_001.png", "epoch_002.png"]
    samples = np.load(tmp_path / "samples.npy")
    assert samples.shape == (50, 28, 28) and samples.dtype == np.float32
    assert samples.min() >= -1 and samples.max() <= 1
    epochs = json.loads((tmp_path / "epochs.json").read_text())
    assert [e["epoch"] for e in epochs] == [1, 2] and all(e["seconds"] > 0 for e in epochs)
    assert len(json.loads((tmp_path / "history.json").read_text())) == 4
    assert metrics["steps"] == 4 and "frechet_distance" not in metrics


def test_scores_per_epoch_and_at_the_end(tmp_path):
    reference = np.random.default_rng(1).uniform(-1, 1, (300, 1, 28, 28)).astype(np.float32)
    scorer = QualityScorer(reference=reference)
    run = ImageRun(tiny_trainer(), tmp_path, 2, scorer, num_samples=200, reference=reference, progress=False,
                   log=quiet)
    run.train(1)
    metrics = run.finish()
    assert metrics["frechet_distance"] > 0 and 1 <= metrics["classifier_score"] <= 10
    assert abs(sum(metrics["class_histogram"].values()) - 1) < 1e-6
    assert "test_set_classifier_score" in metrics
    assert "frechet_distance" in json.loads((tmp_path / "epochs.json").read_text())[0]


def test_an_averaged_run_scores_the_average_and_the_last_iterate(tmp_path):
    reference = np.random.default_rng(1).uniform(-1, 1, (300, 1, 28, 28)).astype(np.float32)
    scorer = QualityScorer(reference=reference)
    trainer = tiny_trainer(g_average=0.9)
    run = ImageRun(trainer, tmp_path, 2, scorer, num_samples=100, reference=reference, progress=False, log=quiet)
    run.train(1)
    metrics = run.finish()
    averaged, last = np.load(tmp_path / "samples.npy"), np.load(tmp_path / "samples_last_iterate.npy")
    np.testing.assert_array_equal(averaged, generate(trainer.sampler, run.sample_inputs))
    np.testing.assert_array_equal(last, generate(trainer.G, run.sample_inputs))
    assert not np.array_equal(averaged, last)
    assert metrics["frechet_distance"] == scorer.score(averaged)["frechet_distance"]
    assert metrics["last_iterate"]["frechet_distance"] == scorer.score(last)["frechet_distance"]
    epoch = json.loads((tmp_path / "epochs.json").read_text())[0]
    assert epoch["g_frechet_distance"] != epoch["frechet_distance"]


def test_the_average_draws_with_batch_norm_statistics_of_its_own_weights(tmp_path):
    trainer = tiny_trainer(g_average=0.9)
    run = ImageRun(trainer, tmp_path, 2, num_samples=20, progress=False, log=quiet)
    run.train(1)
    run.samples()
    average = trainer.sampler
    z = run.calibration_inputs
    dense_out = z.astype(np.float64) @ average.params["0.weight"].astype(np.float64).T    # what its first BN sees
    np.testing.assert_allclose(average.buffers["1.running_mean"], dense_out.mean(axis=0), rtol=1e-4, atol=1e-6)
    assert not np.allclose(average.buffers["1.running_mean"], trainer.G.buffers["1.running_mean"])


def test_resume_continues_bit_identically(tmp_path):
    straight = ImageRun(tiny_trainer(), tmp_path / "a", 2, num_samples=20, progress=False, log=quiet)
    straight.train(3)
    first = ImageRun(tiny_trainer(), tmp_path / "b", 2, num_samples=20, progress=False, log=quiet)
    first.train(1)
    resumed = ImageRun(tiny_trainer(seed=0), tmp_path / "b", 2, num_samples=20, progress=False, log=quiet)
    assert resumed.resume() == 1 and len(resumed.epochs) == 1
    resumed.train(3)
    a, meta_a = load_checkpoint(tmp_path / "a" / "checkpoint.npz")
    b, meta_b = load_checkpoint(tmp_path / "b" / "checkpoint.npz")
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert meta_a["history"] == meta_b["history"] and meta_a["rng"] == meta_b["rng"]
    assert [e["epoch"] for e in meta_b["image_run"]["epochs"]] == [1, 2, 3]
    np.testing.assert_array_equal(straight.samples(), resumed.samples())


def test_a_different_run_is_not_identical(tmp_path):
    """The resume check above can fail: another seed gives other weights."""
    a, b = ImageRun(tiny_trainer(0), tmp_path / "a", 2, num_samples=10, progress=False, log=quiet), \
        ImageRun(tiny_trainer(1), tmp_path / "b", 2, num_samples=10, progress=False, log=quiet)
    a.train(1), b.train(1)
    assert not np.array_equal(a.samples(), b.samples())


def test_class_shares_every_few_steps_and_every_epoch(tmp_path):
    """share_every=3 with 4 steps an epoch: steps 3, 4 (epoch end), 6, 8 (epoch end, and the 9th
    would be past the run); each a distribution over the 10 classes, the last one equal to the
    classifier on G's images of the fixed share noise."""
    from minigan.metrics.shares import class_shares
    from minigan.runs.image_run import SHARE_KEYS
    trainer = tiny_trainer()
    run = ImageRun(trainer, tmp_path, 4, num_samples=20, progress=False, log=quiet, share_every=3)
    run.train(2)
    metrics = run.finish()
    steps, shares = run.class_share_history()
    assert steps == [3, 4, 6, 8] and shares.shape == (4, 10)
    np.testing.assert_allclose(shares.sum(axis=1), 1)
    np.testing.assert_allclose(shares[-1], class_shares(run.classifier, generate(trainer.G, run.share_inputs)))
    epochs = json.loads((tmp_path / "epochs.json").read_text())
    assert [e["class_shares"] for e in epochs] == [shares[1].tolist(), shares[3].tolist()]
    history = json.loads((tmp_path / "history.json").read_text())
    assert [r["step"] for r in history if SHARE_KEYS[0] in r] == [3, 4, 6, 8]
    assert metrics["class_share_dynamics"]["measurements"] == 4
    assert sum(metrics["class_shares"].values()) == pytest.approx(1)
    assert (tmp_path / "class_shares.png").read_bytes()[:4] == b"\x89PNG"


def test_the_class_share_history_survives_a_resume(tmp_path):
    straight = ImageRun(tiny_trainer(), tmp_path / "a", 4, num_samples=10, progress=False, log=quiet, share_every=3)
    straight.train(2)
    first = ImageRun(tiny_trainer(), tmp_path / "b", 4, num_samples=10, progress=False, log=quiet, share_every=3)
    first.train(1)
    resumed = ImageRun(tiny_trainer(), tmp_path / "b", 4, num_samples=10, progress=False, log=quiet, share_every=3)
    resumed.resume()
    assert resumed.class_share_history()[0] == [3, 4]                  # read back from the checkpoint
    resumed.train(2)
    (steps_a, shares_a), (steps_b, shares_b) = straight.class_share_history(), resumed.class_share_history()
    assert steps_a == steps_b == [3, 4, 6, 8]
    np.testing.assert_array_equal(shares_a, shares_b)
