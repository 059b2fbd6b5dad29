"""The Fashion-MNIST demos end to end on a tiny budget (real data; skipped without it)."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from minigan.gan.checkpoint import load_checkpoint

DEMOS = Path(__file__).resolve().parents[2] / "demos"


def demo(name):
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def tiny(out, root, *extra):
    return ["--out", str(out), "--data-root", str(root), "--batch-size", "16", "--limit-batches", "2",
            "--train-size", "256", "--samples", "100", "--no-progress", *extra]


@pytest.mark.parametrize("name", ["fashion_dcgan", "fashion_mlp", "fashion_cgan", "latent", "truncation"])
def test_help_exits_zero(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        demo(name)(["--help"])
    assert exit_info.value.code == 0 and "usage" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--epochs", "0"], ["--batch-size", "x"], ["--beta1", "2"], ["--resume"],
                                  ["--resume", "--overwrite"], ["--dtype", "float16"]])
def test_bad_arguments_exit_two(tmp_path, argv):
    with pytest.raises(SystemExit) as exit_info:
        demo("fashion_mlp")(["--out", str(tmp_path / "run"), *argv])
    assert exit_info.value.code == 2


def test_readable_runs_the_textbook_layers_and_trains_the_same_run(tmp_path, fashion_root, capsys):
    """The first progress line says which layers run; --readable and the default fast twins
    train the same float64 DCGAN to rounding (and --readable may change on resume)."""
    main = demo("fashion_dcgan")
    runs = {}
    for flags in ([], ["--readable"]):
        out = tmp_path / ("readable" if flags else "fast")
        argv = tiny(out, fashion_root, "--epochs", "1", "--no-score", "--dtype", "float64", *flags)
        argv.remove("--no-progress")
        assert main(argv) == 0
        first_line = capsys.readouterr().err.splitlines()[0]
        assert first_line.startswith("layers: ") and ("minigan.accel" in first_line) != bool(flags)
        runs[out.name] = np.load(out / "samples.npy")
    np.testing.assert_allclose(runs["fast"], runs["readable"], rtol=1e-7, atol=1e-9)
    assert main(tiny(tmp_path / "fast", fashion_root, "--epochs", "2", "--no-score", "--dtype", "float64",
                     "--readable", "--resume")) == 0


def test_a_run_directory_with_files_is_refused(tmp_path):
    (tmp_path / "old.txt").write_text("keep me")
    with pytest.raises(SystemExit) as exit_info:
        demo("fashion_mlp")(["--out", str(tmp_path), "--no-score"])
    assert exit_info.value.code == 2 and (tmp_path / "old.txt").read_text() == "keep me"


def test_dcgan_demo_writes_every_promised_file_and_latent_demo_reads_it(tmp_path, fashion_root, capsys):
    out = tmp_path / "dcgan"
    assert demo("fashion_dcgan")(tiny(out, fashion_root, "--epochs", "1", "--no-score")) == 0
    for name in ("checkpoint.npz", "history.json", "history.csv", "epochs.json", "curves.png", "training.gif",
                 "metrics.json", "run.json", "grids/epoch_000.png", "grids/epoch_001.png"):
        assert (out / name).is_file(), name
    samples = np.load(out / "samples.npy")
    assert samples.shape == (100, 28, 28) and samples.dtype == np.float32 and np.abs(samples).max() <= 1
    assert json.loads((out / "run.json").read_text())["steps_per_epoch"] == 2
    latent = tmp_path / "latent"
    assert demo("latent")(["--checkpoint", str(out / "checkpoint.npz"), "--out", str(latent), "--codes", "300",
                           "--from-class", "8", "--to-class", "8", "--bright-class", "8"]) in (0, None)
    for name in ("interpolation.png", "class_translation.png", "brightness.png", "arithmetic.json"):
        assert (latent / name).is_file(), name


def test_float64_trains_in_float64_and_still_writes_float32_samples(tmp_path, fashion_root):
    out = tmp_path / "f64"
    assert demo("fashion_dcgan")(tiny(out, fashion_root, "--epochs", "1", "--no-score", "--dtype", "float64",
                                      "--average", "0.9")) == 0
    arrays, _ = load_checkpoint(out / "checkpoint.npz")
    weights = {k: v.dtype for k, v in arrays.items() if k.startswith(("G/", "D/", "G_average/"))}
    assert weights and set(weights.values()) == {np.dtype("float64")}
    samples = np.load(out / "samples.npy")
    assert samples.dtype == np.float32 and samples.shape == (100, 28, 28) and np.isfinite(samples).all()
    with pytest.raises(SystemExit) as exit_info:                      # float32 would be cast in silently
        demo("fashion_dcgan")(tiny(out, fashion_root, "--epochs", "2", "--no-score", "--average", "0.9", "--resume"))
    assert exit_info.value.code == 2
    assert demo("fashion_dcgan")(tiny(out, fashion_root, "--epochs", "2", "--no-score", "--average", "0.9",
                                      "--dtype", "float64", "--resume")) == 0


def test_dcgan_demo_with_wgan_gp_uses_a_layer_norm_critic_and_the_average(tmp_path, fashion_root, capsys):
    out = tmp_path / "wgan-gp"
    argv = ["--out", str(out), "--data-root", str(fashion_root), "--batch-size", "16", "--train-size", "320",
            "--samples", "20", "--no-progress", "--no-score", "--epochs", "1", "--loss", "wgan-gp", "--average", "0.9"]
    assert demo("fashion_dcgan")(argv) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["steps_per_epoch"] == 320 // (16 * 5)              # an epoch is one pass: 5 critic batches a step
    arrays, meta = load_checkpoint(out / "checkpoint.npz")
    assert meta["config"]["penalty"] == "gp" and meta["config"]["g_average"] == 0.9
    assert "D/3.weight" in arrays and arrays["D/3.weight"].shape == (128, 7, 7)      # LayerNorm's, per sample
    assert meta["g_average_updates"] == 4 and "G_average/0.weight" in arrays
    history = json.loads((out / "history.json").read_text())
    assert all("penalty" in r and "wasserstein_estimate" in r for r in history)
    epoch_line = next(line for line in capsys.readouterr().err.splitlines() if line.startswith("epoch 1 "))
    estimate = np.mean([r["wasserstein_estimate"] for r in history])         # the critic's, not sigmoids
    assert f"W {estimate:.3f}" in epoch_line and "D(x)" not in epoch_line


@pytest.mark.parametrize("name, prefix", [("fashion_dcgan", "G_average/"), ("fashion_cgan", "G_average/0.")])
def test_install_writes_the_network_that_drew_the_samples(tmp_path, fashion_root, monkeypatch, name, prefix):
    """With --average the samples come from G's weight average, so that is what ships."""
    import minigan.pretrained
    installed = tmp_path / "installed.npz"
    shipped_path = minigan.pretrained.path_of            # the class shares still read the shipped classifier
    monkeypatch.setattr(minigan.pretrained, "path_of",
                        lambda name: shipped_path(name) if name == "fashion-classifier" else installed)
    out = tmp_path / "run"
    assert demo(name)(tiny(out, fashion_root, "--epochs", "1", "--no-score", "--average", "0.9")) == 0
    assert demo(name)(tiny(out, fashion_root, "--epochs", "2", "--no-score", "--average", "0.9", "--resume",
                           "--install")) == 0
    shipped, meta = load_checkpoint(installed)
    run, _ = load_checkpoint(out / "checkpoint.npz")
    drawn = {k[len(prefix):]: v for k, v in run.items() if k.startswith(prefix)}     # a cGAN's inner generator: 0.
    assert {k[len("model/"):] for k in shipped} == set(drawn)
    for k, v in drawn.items():
        np.testing.assert_array_equal(shipped["model/" + k], v)
    assert "--average" in meta["record"]["command"] and (tmp_path / "installed.json").is_file()
    # the record names how the run went on: its first command, then the --resume that trained on and installed
    assert "--resume" not in meta["record"]["command"]
    assert len(meta["record"]["resumed"]) == 1 and "--epochs 2" in meta["record"]["resumed"][0]
    assert meta["record"]["metrics"]["epochs"] == 2


def test_cgan_demo_scores_each_class(tmp_path, fashion_root):
    out = tmp_path / "cgan"
    assert demo("fashion_cgan")(tiny(out, fashion_root, "--epochs", "1", "--score-every", "0")) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["conditional_accuracy"]) == 10 and metrics["frechet_distance"] > 0
    assert 8 < metrics["test_set_classifier_score"] < 8.5          # the test set's own score, 8.16
    assert (out / "classes.png").is_file()
    # the truncation demo on this run's checkpoint: a row per threshold (null: none) and the class grid
    swept = tmp_path / "truncation"
    assert demo("truncation")(["fashion-cgan", "--checkpoint", str(out / "checkpoint.npz"), "--thresholds", "inf",
                               "1", "--n", "50", "--grid-threshold", "1", "--data-root", str(fashion_root),
                               "--out", str(swept)]) == 0
    rows = json.loads((swept / "truncation.json").read_text())["rows"]
    assert [r["threshold"] for r in rows] == [None, 1.0]
    for r in rows:
        shares = list(r["conditional_accuracy"].values())
        assert len(shares) == 10 and all(0 <= a <= 1 for a in shares)
        assert r["min_conditional_accuracy"] == min(shares) and r["mean_conditional_accuracy"] == pytest.approx(np.mean(shares))
    for name in ("table.md", "tradeoff.png", "classes_t1.png"):
        assert (swept / name).is_file(), name


@pytest.mark.parametrize("argv", [["--thresholds", "0"], ["--thresholds", "1e-4"], ["--grid-threshold", "-1"],
                                  ["--n", "5"]])
def test_truncation_demo_refuses_bad_thresholds(tmp_path, argv):
    with pytest.raises(SystemExit) as exit_info:
        demo("truncation")([*argv, "--out", str(tmp_path / "t")])
    assert exit_info.value.code == 2


def test_resume_continues_bit_identically(tmp_path, fashion_root):
    main = demo("fashion_mlp")
    assert main(tiny(tmp_path / "straight", fashion_root, "--epochs", "2", "--no-score")) == 0
    assert main(tiny(tmp_path / "split", fashion_root, "--epochs", "1", "--no-score")) == 0
    assert main(tiny(tmp_path / "split", fashion_root, "--epochs", "2", "--no-score", "--resume")) == 0
    a, meta_a = load_checkpoint(tmp_path / "straight" / "checkpoint.npz")
    b, meta_b = load_checkpoint(tmp_path / "split" / "checkpoint.npz")
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert meta_a["step"] == meta_b["step"] == 4
    np.testing.assert_array_equal(np.load(tmp_path / "straight" / "samples.npy"),
                                  np.load(tmp_path / "split" / "samples.npy"))


def test_resume_with_other_settings_is_refused(tmp_path, fashion_root):
    main = demo("fashion_mlp")
    assert main(tiny(tmp_path, fashion_root, "--epochs", "1", "--no-score")) == 0
    with pytest.raises(SystemExit) as exit_info:
        main(tiny(tmp_path, fashion_root, "--epochs", "2", "--no-score", "--resume", "--label-smoothing", "0.1"))
    assert exit_info.value.code == 2


def test_trace_writes_one_iteration_and_exits(tmp_path, fashion_root):
    assert demo("fashion_mlp")(tiny(tmp_path, fashion_root, "--trace")) == 0
    report = (tmp_path / "trace.txt").read_text()
    assert "discriminator step" in report and "generator step" in report
    assert not (tmp_path / "checkpoint.npz").exists()


@pytest.mark.cuda
def test_the_dcgan_demo_trains_and_resumes_on_the_gpu_with_the_weight_average(tmp_path, fashion_root):
    from minigan.backend import cuda_available
    if not cuda_available():
        pytest.skip("CuPy with a working GPU is not available")
    main = demo("fashion_dcgan")
    out = tmp_path / "gpu"
    assert main(tiny(out, fashion_root, "--epochs", "1", "--no-score", "--device", "cuda", "--average", "0.9")) == 0
    assert main(tiny(out, fashion_root, "--epochs", "2", "--no-score", "--device", "cuda", "--average", "0.9",
                     "--readable", "--resume")) == 0
    samples = np.load(out / "samples.npy")
    assert samples.shape == (100, 28, 28) and np.isfinite(samples).all()


def test_resume_names_a_changed_setting_and_a_run_that_exploded_says_so(tmp_path, fashion_root, capsys):
    main = demo("fashion_mlp")
    out = tmp_path / "run"
    assert main(tiny(out, fashion_root, "--epochs", "1", "--no-score", "--lr-g", "1000", "--lr-d", "1000")) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    err = capsys.readouterr().err
    if metrics["health"]["warnings"]:                 # a learning rate of 1e3 wrecks the run, loudly
        assert "warning:" in err
    assert metrics["health"]["losses_exploded"] or metrics["health"]["samples_collapsed"]
    for changed, option in ((["--lr-g", "0.001", "--lr-d", "1000"], "--lr-g"), (["--lr-g", "1000", "--lr-d", "1000",
                                                                                 "--train-size", "128"], "--train-size")):
        with pytest.raises(SystemExit) as exit_info:
            main(tiny(out, fashion_root, "--epochs", "2", "--no-score", "--resume", *changed))
        assert exit_info.value.code == 2 and option in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(tiny(tmp_path / "beta", fashion_root, "--beta1", "1"))
    assert exit_info.value.code == 2 and "betas" in capsys.readouterr().err


def test_minibatch_and_replay_options_and_the_class_shares(tmp_path, fashion_root):
    """--minibatch puts a MinibatchDiscrimination layer in D, --replay sizes the store in batches,
    --share-every records the class shares in the history; the conditional demo has no such D."""
    from minigan.runs.image_run import SHARE_KEYS
    out = tmp_path / "run"
    assert demo("fashion_mlp")(tiny(out, fashion_root, "--epochs", "1", "--no-score", "--minibatch", "--replay", "3",
                                    "--replay-fraction", "0.25", "--share-every", "1")) == 0
    run = json.loads((out / "run.json").read_text())
    _, meta = load_checkpoint(out / "checkpoint.npz")
    assert meta["config"]["replay_size"] == 3 * 16 and meta["config"]["replay_fraction"] == 0.25
    arrays, _ = load_checkpoint(out / "checkpoint.npz")
    assert arrays["D/5.weight"].shape == (256, 100 * 5)                   # the mini-batch layer's T
    history = json.loads((out / "history.json").read_text())
    assert [r["step"] for r in history if SHARE_KEYS[0] in r] == [1, 2]
    assert run["args"]["minibatch"] == "True"
    with pytest.raises(SystemExit) as exit_info:
        demo("fashion_cgan")(tiny(tmp_path / "cgan", fashion_root, "--epochs", "1", "--no-score", "--minibatch"))
    assert exit_info.value.code == 2


def test_z_dim_sets_the_noise_of_g_and_install_refuses_another(tmp_path, fashion_root, capsys):
    out = tmp_path / "run"
    assert demo("fashion_dcgan")(tiny(out, fashion_root, "--epochs", "1", "--no-score", "--z-dim", "1")) == 0
    arrays, meta = load_checkpoint(out / "checkpoint.npz")
    assert arrays["G/0.weight"].shape[1] == 1 and meta["config"]["z_dim"] == 1
    with pytest.raises(SystemExit) as exit_info:
        demo("fashion_dcgan")(tiny(tmp_path / "other", fashion_root, "--z-dim", "2", "--install"))
    assert exit_info.value.code == 2 and "--z-dim" in capsys.readouterr().err
