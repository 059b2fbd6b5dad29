"""Smoke tests of the toy demos: each script's main() runs a few steps into tmp_path and writes
sane files; --help exits 0, a bad argument exits 2, a run directory with files is refused;
and a short run with a cure beats the untrained generator on the mode metric."""
import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from minigan.gan import load_checkpoint
from minigan.models import toy_discriminator
from minigan.plots import discriminator_outputs

DEMOS = Path(__file__).resolve().parents[2] / "demos"


def load_demo(name):
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def toy_2d():
    return load_demo("toy_2d")


@pytest.fixture(scope="module")
def toy_1d():
    return load_demo("toy_1d")


@pytest.fixture(scope="module")
def averaging():
    return load_demo("averaging")


def run(demo, out, *args):
    return demo.main([*map(str, args), "--out", str(out), "--no-progress"])


def gif_frames(path):
    with Image.open(path) as image:
        assert image.format == "GIF"
        return image.n_frames


def assert_png(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("dataset, trick", [("ring", "none"), ("grid", "minibatch+smoothing"),
                                            ("spiral", "replay+noise")])
def test_toy_2d_writes_its_files(toy_2d, tmp_path, dataset, trick):
    out = tmp_path / "run"
    metrics = run(toy_2d, out, "--dataset", dataset, "--trick", trick, "--steps", 12, "--frames", 3,
                  "--hidden", 16, "--batch-size", 32)
    samples = np.load(out / "samples.npy")
    assert samples.shape == (2500, 2) and samples.dtype == np.float32 and np.isfinite(samples).all()
    saved = json.loads((out / "metrics.json").read_text())
    assert saved == json.loads(json.dumps(metrics))
    assert {"dataset", "trick", "seed", "steps", "modes", "median_nearest_data_distance", "d_real", "d_fake",
            "wall_seconds", "modes_over_training"} <= set(saved)
    assert (saved["dataset"], saved["trick"], saved["steps"]) == (dataset, trick, 12)
    assert 0 <= saved["d_real"] <= 1 and 0 <= saved["d_fake"] <= 1
    if dataset == "spiral":
        assert saved["modes"] is None and saved["d_at_modes"] is None
    else:
        assert len(saved["d_at_modes"]) == saved["modes"]["num_modes"]
        assert all(0 <= d <= 1 for d in saved["d_at_modes"])
        modes = saved["modes"]
        assert modes["num_modes"] == {"ring": 8, "grid": 25}[dataset]
        assert sum(modes["counts"]) == round(modes["high_quality_fraction"] * 2500)
        assert [r["step"] for r in saved["modes_over_training"]] == [0, 4, 8, 12]
    assert gif_frames(out / "training.gif") == 4                        # step 0 and 3 frames
    assert sorted(p.name for p in (out / "frames").iterdir())[0] == "step_000000.png"
    for name in ("final.png", "curves.png"):
        assert_png(out / name)
    assert len(json.loads((out / "history.json").read_text())) == 12
    with open(out / "history.csv") as f:
        assert len(list(csv.DictReader(f))) == 12
    arrays, meta = load_checkpoint(out / "checkpoint.npz")
    assert meta["step"] == 12 and any(k.startswith("G/") for k in arrays)
    assert json.loads((out / "run.json").read_text())["config"]["batch_size"] == 32


def test_toy_2d_tricks_change_the_set_up(toy_2d, tmp_path):
    metrics = run(toy_2d, tmp_path / "a", "--trick", "minibatch+replay+smoothing", "--steps", 2, "--frames", 1,
                  "--hidden", 8)
    assert metrics["trick"] == "minibatch+replay+smoothing"
    run_info = json.loads((tmp_path / "a" / "run.json").read_text())
    assert "MinibatchDiscrimination" in run_info["D"]
    assert run_info["config"]["replay_size"] == 50 * 128 and run_info["config"]["label_smoothing"] == 0.1
    run(toy_2d, tmp_path / "b", "--trick", "feature-matching", "--steps", 2, "--frames", 1, "--hidden", 8)
    assert json.loads((tmp_path / "b" / "run.json").read_text())["config"]["feature_matching"] == 6
    run(toy_2d, tmp_path / "c", "--trick", "replay", "--replay-batches", 5, "--replay-fraction", 0.25, "--steps", 2,
        "--frames", 1, "--hidden", 8, "--batch-size", 16)
    config = json.loads((tmp_path / "c" / "run.json").read_text())["config"]
    assert (config["replay_size"], config["replay_fraction"]) == (5 * 16, 0.25)


@pytest.mark.parametrize("loss", ["wgan", "wgan-gp", "r1"])
def test_toy_2d_takes_a_preset_and_draws_from_the_weight_average(toy_2d, tmp_path, loss):
    out = tmp_path / "run"
    metrics = run(toy_2d, out, "--dataset", "grid", "--loss", loss, "--average", 0.9, "--steps", 4, "--frames", 1,
                  "--hidden", 8)
    config = json.loads((out / "run.json").read_text())["config"]
    assert (metrics["loss"], config["g_average"]) == (loss, 0.9)
    assert config["d_steps"] == {"wgan": 5, "wgan-gp": 5, "r1": 1}[loss]
    assert config["penalty"] == {"wgan": None, "wgan-gp": "gp", "r1": "r1"}[loss]
    arrays, meta = load_checkpoint(out / "checkpoint.npz")
    assert meta["g_average_updates"] == 4 and any(k.startswith("G_average/") for k in arrays)
    assert np.isfinite(np.load(out / "samples.npy")).all()
    assert ("penalty" in json.loads((out / "history.json").read_text())[0]) == (loss != "wgan")


def test_toy_2d_samples_come_from_the_average(toy_2d, tmp_path):
    """Same seed with and without --average: the same game, other samples (the average lags G)."""
    plain = run(toy_2d, tmp_path / "plain", "--steps", 30, "--frames", 1, "--hidden", 8)
    averaged = run(toy_2d, tmp_path / "avg", "--steps", 30, "--frames", 1, "--hidden", 8, "--average", 0.9)
    assert plain["d_real"] == averaged["d_real"] and plain["d_fake"] == averaged["d_fake"]
    assert not np.array_equal(np.load(tmp_path / "plain" / "samples.npy"), np.load(tmp_path / "avg" / "samples.npy"))


def test_toy_2d_refuses_a_penalty_with_a_sample_mixing_critic(toy_2d, capsys, tmp_path):
    for bad in (["--loss", "wgan-gp", "--trick", "minibatch"], ["--loss", "wgan", "--trick", "smoothing"]):
        with pytest.raises(SystemExit) as exit_:
            toy_2d.main(bad + ["--out", str(tmp_path / "never"), "--steps", "1"])
        assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "must not mix samples" in err and "label smoothing" in err


def test_toy_2d_frames_draw_arrows_and_the_sheet_without_changing_the_run(toy_2d, tmp_path):
    """--z-dim 2 adds the warped sheet, --arrows the push arrows; drawing them runs D and G
    forward and D backward, and the training run stays the same to the last bit."""
    common = ("--z-dim", 2, "--steps", 20, "--frames", 2, "--hidden", 16, "--trick", "minibatch")
    plain = run(toy_2d, tmp_path / "plain", *common, "--arrows", 0)
    drawn = run(toy_2d, tmp_path / "drawn", *common, "--arrows", 16)
    assert plain["d_real"] == drawn["d_real"] and plain["modes"] == drawn["modes"]
    np.testing.assert_array_equal(np.load(tmp_path / "plain" / "samples.npy"),
                                  np.load(tmp_path / "drawn" / "samples.npy"))
    sizes = [(tmp_path / name / "final.png").stat().st_size for name in ("plain", "drawn")]
    assert sizes[0] != sizes[1]


def test_toy_2d_cure_beats_the_untrained_generator(toy_2d, tmp_path):
    """300 steps with mini-batch discrimination: from no mode at all to most of the ring."""
    metrics = run(toy_2d, tmp_path / "run", "--trick", "minibatch", "--z-dim", 2, "--batch-size", 64,
                  "--steps", 300, "--frames", 1)
    untrained, trained = metrics["modes_over_training"][0], metrics["modes"]
    assert untrained["step"] == 0 and untrained["modes_captured"] == 0
    assert trained["modes_captured"] >= 5
    assert trained["high_quality_fraction"] > untrained["high_quality_fraction"] + 0.02
    distance = metrics["median_nearest_data_distance"]["generated"]
    assert distance < 0.5                                  # untrained: about 1.8, the ring's radius and more


def test_toy_1d_writes_its_files(toy_1d, tmp_path):
    out = tmp_path / "run"
    metrics = run(toy_1d, out, "--steps", 10, "--frames", 2, "--hidden", 8, "--z-dim", 1, "--d-steps", 2)
    saved = json.loads((out / "metrics.json").read_text())
    assert {"mean", "std", "data_mean", "data_std", "histogram_kl", "true_mean", "true_std", "mean_relative_error",
            "std_relative_error", "d_on_data", "d_on_generated", "wall_seconds"} <= set(saved)
    assert (saved["true_mean"], saved["true_std"]) == (2.0, 0.5)
    assert saved["std_relative_error"] == pytest.approx(abs(saved["std"] - 0.5) / 0.5)
    assert abs(saved["data_mean"] - 2.0) < 0.03 and abs(saved["data_std"] - 0.5) < 0.03
    assert saved["histogram_kl"] >= 0 and 0 < saved["d_on_data"] < 1
    assert metrics["steps"] == 10
    assert gif_frames(out / "training.gif") == 3
    assert_png(out / "final.png")
    assert len(json.loads((out / "history.json").read_text())) == 10


def test_toy_1d_measures_the_jsd_and_the_distance_from_d_star(toy_1d, tmp_path):
    """Every --measure-every steps (and at log-spaced early steps) the history records the JSD and
    E|D - D*|; metrics.json repeats them, and the last one equals the final measurement."""
    out = tmp_path / "run"
    saved = run(toy_1d, out, "--steps", 30, "--frames", 1, "--hidden", 8, "--measure-every", 10)
    history = json.loads((out / "history.json").read_text())
    measured = [r for r in history if "jsd" in r]
    steps = [r["step"] for r in measured]
    assert {10, 20, 30, 1, 2} <= set(steps) and len(steps) < 30
    assert steps == [r["step"] for r in saved["optimal_over_training"]]
    assert all(0 <= r["jsd"] <= np.log(2) and 0 <= r["d_star_gap"] <= 1 for r in measured)
    assert saved["jsd"] == measured[-1]["jsd"] and saved["d_star_gap"] == measured[-1]["d_star_gap"]
    assert saved["jsd"] > 0.3                              # 30 steps of an 8-unit G: far from the data
    assert_png(out / "optimal.png")


def test_toy_1d_reports_a_critics_estimate_not_probabilities(toy_1d, tmp_path):
    """Under WGAN-GP metrics.json holds the critic's raw mean scores (checked against the saved
    critic on the run's own data draw) and their difference, not sigmoid probabilities."""
    saved = run(toy_1d, tmp_path / "run", "--loss", "wgan-gp", "--steps", 4, "--frames", 1, "--hidden", 8)
    assert "d_on_data" not in saved and "d_max_distance_from_half" not in saved
    D = toy_discriminator(1, 8, 2, rng=0)
    arrays, _ = load_checkpoint(tmp_path / "run" / "checkpoint.npz")
    for name in list(D.params):
        D.params[name] = arrays[f"D/{name}"]
    data = toy_1d.get_toy("gaussian", **toy_1d.DATASETS["gaussian"]).sample(toy_1d.NUM_SAMPLES,
                                                                          np.random.default_rng([0, 1]))
    assert saved["critic_on_data"] == pytest.approx(float(discriminator_outputs(D, data).mean()), rel=1e-6)
    assert saved["wasserstein_estimate"] == pytest.approx(saved["critic_on_data"] - saved["critic_on_generated"])


def test_toy_1d_bimodal_moments(toy_1d, tmp_path):
    saved = run(toy_1d, tmp_path / "run", "--dataset", "bimodal", "--steps", 2, "--frames", 1, "--hidden", 8)
    assert saved["true_mean"] == 0.0 and saved["mean_relative_error"] is None
    assert saved["true_std"] == pytest.approx(np.sqrt(0.5 ** 2 + 2.0 ** 2))


@pytest.mark.parametrize("target", ["coin", "ring"])
def test_averaging_writes_its_files(averaging, tmp_path, target):
    out = tmp_path / "run"
    metrics = run(averaging, out, "--target", target, "--steps", 20)
    assert_png(out / "figure.png")
    saved = json.loads((out / "metrics.json").read_text())
    assert set(saved["median_nearest_data_distance"]) == {"regression", "gan", "data"}
    assert saved == json.loads(json.dumps(metrics))


def test_averaging_regression_predicts_the_mean(averaging, tmp_path):
    metrics = run(averaging, tmp_path / "run", "--steps", 300)
    assert metrics["regression_mean_abs_prediction"] < 0.3               # the data sit at +-1
    assert metrics["median_nearest_data_distance"]["regression"] > 0.6


@pytest.mark.parametrize("name", ["toy_1d", "toy_2d", "averaging"])
def test_help_exits_0_and_bad_arguments_exit_2(name, capsys, tmp_path):
    demo = load_demo(name)
    with pytest.raises(SystemExit) as exit_:
        demo.main(["--help"])
    assert exit_.value.code == 0
    assert "--seed" in capsys.readouterr().out
    for bad in (["--steps", "0"], ["--no-such-option"], ["--device", "tpu"], ["--seed", "x"]):
        with pytest.raises(SystemExit) as exit_:
            demo.main(bad + ["--out", str(tmp_path / "never")])
        assert exit_.value.code == 2
        assert "usage:" in capsys.readouterr().err
    assert not (tmp_path / "never").exists()


def test_toy_2d_rejects_unknown_dataset_and_trick(toy_2d, capsys, tmp_path):
    for bad in (["--dataset", "moons"], ["--trick", "magic"], ["--trick", "none+minibatch"]):
        with pytest.raises(SystemExit) as exit_:
            toy_2d.main(bad + ["--out", str(tmp_path / "never")])
        assert exit_.value.code == 2
    assert "magic" in capsys.readouterr().err


def test_refuses_a_run_directory_with_files_unless_overwrite(toy_2d, capsys, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(SystemExit) as exit_:
        run(toy_2d, out, "--steps", 1, "--frames", 1, "--hidden", 4)
    assert exit_.value.code == 2
    assert "not empty" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    run(toy_2d, out, "--steps", 1, "--frames", 1, "--hidden", 4, "--overwrite")
    assert (out / "keep.txt").read_text() == "mine" and (out / "samples.npy").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    run(toy_2d, empty, "--steps", 1, "--frames", 1, "--hidden", 4)              # an empty directory is fine


def test_script_runs_from_the_command_line(tmp_path):
    result = subprocess.run([sys.executable, str(DEMOS / "toy_2d.py"), "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "--trick" in result.stdout
    result = subprocess.run([sys.executable, str(DEMOS / "toy_2d.py"), "--dataset", "moons"], capture_output=True,
                            text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2 and "usage:" in result.stderr
