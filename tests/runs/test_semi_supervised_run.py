"""SemiSupervisedRun: the confusion matrix, the run directory it promises, exact resume of both trainers."""
import json

import numpy as np
import pytest

from minigan import optim
from minigan.gan.semi_supervised import LabelledOnlyTrainer
from minigan.gan.checkpoint import CheckpointError
from minigan.runs.semi_supervised_run import SemiSupervisedRun, classification_report, confusion_matrix, predictions
from tests.gan.test_semi_supervised import data, networks, trainer


def quiet(*_):
    pass


def test_confusion_matrix_rows_are_true_classes_and_the_report_reads_it():
    labels, predicted = np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2])
    np.testing.assert_array_equal(confusion_matrix(labels, predicted, 3), [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    report = classification_report(labels, predicted, 3)
    assert report["test_accuracy"] == 4 / 6
    np.testing.assert_allclose(report["per_class_accuracy"], [1 / 2, 1, 2 / 3])


def build(out, seed=0, average=0.0):
    t = trainer(seed, noise=0.2)
    _, D = networks(seed, noise=0.2)
    baseline = LabelledOnlyTrainer(D, optim.Adam(D, lr=1e-2), data()[1], batch_size=4, seed=seed)
    rng = np.random.default_rng(3)
    x_test, y_test = rng.uniform(-1, 1, (30, 1, 4, 4)), np.arange(30) % 3
    return SemiSupervisedRun(t, baseline, out, x_test, y_test, eval_every=2, num_samples=20, progress=False,
                             log=quiet, average=average)


def test_run_directory_and_metrics(tmp_path):
    run = build(tmp_path)
    run.train(5)
    metrics = run.finish()
    for name in ("checkpoint.npz", "evaluations.json", "history.json", "baseline_history.json", "accuracy.png",
                 "samples.png", "samples.npy", "metrics.json"):
        assert (tmp_path / name).is_file(), name
    assert [e["step"] for e in json.loads((tmp_path / "evaluations.json").read_text())] == [2, 4, 5]
    assert run.trainer.step == run.baseline.step == 5
    for name in ("semi_supervised", "supervised_only"):
        matrix = np.array(metrics[name]["confusion_matrix"])
        assert matrix.shape == (3, 3) and matrix.sum() == 30 and matrix.sum(axis=1).tolist() == [10, 10, 10]
        assert metrics[name]["test_accuracy"] == matrix.trace() / 30
    assert metrics["gain"] == metrics["semi_supervised"]["test_accuracy"] - metrics["supervised_only"]["test_accuracy"]
    assert np.load(tmp_path / "samples.npy").shape == (20, 4, 4)
    assert run.trainer.D.training and run.baseline.model.training        # scoring left them in train mode


@pytest.mark.parametrize("average", [0.0, 0.9])
def test_resume_gives_the_run_that_never_stopped(tmp_path, average):
    straight = build(tmp_path / "straight", average=average)
    straight.train(6)
    first = build(tmp_path / "stopped", average=average)
    first.train(3)
    resumed = build(tmp_path / "stopped", average=average)
    assert resumed.resume() == 3
    resumed.train(6)
    assert [e["step"] for e in resumed.evaluations] == [2, 3, 4, 6]
    for a, b in ((straight.trainer.D, resumed.trainer.D), (straight.trainer.G, resumed.trainer.G),
                 (straight.baseline.model, resumed.baseline.model)):
        for name, p in a.params.items():
            np.testing.assert_array_equal(b.params[name], p, err_msg=name)
    for name in straight.averages:
        for key, p in straight.averages[name].average.params.items():
            np.testing.assert_array_equal(resumed.averages[name].average.params[key], p, err_msg=f"{name} {key}")
        assert resumed.averages[name].updates == straight.averages[name].updates == 6
    assert straight.evaluations[-1] == {**resumed.evaluations[-1], "seconds": straight.evaluations[-1]["seconds"],
                                        "baseline_seconds": straight.evaluations[-1]["baseline_seconds"]}


def test_the_scored_networks_are_the_weight_averages_of_every_step(tmp_path):
    """Replays the run's steps with its own twin trainers, averaging by hand: the averages the run
    scores are those of all its steps (not only of evaluation steps), and they are what is scored."""
    run = build(tmp_path / "run", average=0.5)
    run.train(3)
    twin = build(tmp_path / "twin")
    by_hand = {name: {k: np.array(p) for k, p in model.params.items()} for name, model in twin.models.items()}
    for step in range(3):
        twin.trainer.train_step()
        twin.baseline.train_step()
        beta = min(0.5, (1 + step) / (10 + step))
        for name, model in twin.models.items():
            for k, p in model.params.items():
                by_hand[name][k] = beta * by_hand[name][k] + (1 - beta) * p
    for name, model in run.models.items():
        for k, p in by_hand[name].items():
            np.testing.assert_allclose(run.averages[name].average.params[k], p, rtol=1e-6, err_msg=f"{name} {k}")
            assert not np.array_equal(run.averages[name].average.params[k], model.params[k]), (name, k)
    metrics = run.finish()
    for name in run.models:
        scored = (predictions(run.averages[name].average, run.x_test) == run.y_test).mean()
        itself = (predictions(run.models[name], run.x_test) == run.y_test).mean()
        assert metrics[name]["test_accuracy"] == scored
        assert metrics[name]["unaveraged_test_accuracy"] == itself


def test_resume_refuses_a_checkpoint_without_the_averages(tmp_path):
    build(tmp_path, average=0.0).train(2)
    with pytest.raises(CheckpointError, match="--average"):
        build(tmp_path, average=0.99).resume()


def test_the_baseline_alone_trains_scores_and_resumes(tmp_path):
    full = build(tmp_path / "both")
    alone = SemiSupervisedRun(None, build(tmp_path / "x").baseline, tmp_path / "alone", full.x_test, full.y_test,
                              eval_every=2, progress=False, log=quiet)
    alone.train(3)
    again = SemiSupervisedRun(None, build(tmp_path / "y").baseline, tmp_path / "alone", full.x_test, full.y_test,
                              eval_every=2, progress=False, log=quiet)
    assert again.resume() == 3
    again.train(4)
    full.train(4)
    metrics = again.finish()
    assert "semi_supervised" not in metrics and "gain" not in metrics
    assert metrics["supervised_only"] == full.finish()["supervised_only"]      # as trained beside the GAN
