"""demos/fashion_progressive.py end to end on a tiny budget (real data; skipped without it)."""
import json

import numpy as np
import pytest

from tests.demos.test_fashion_demos import demo


def tiny(out, root, *extra):
    return ["--out", str(out), "--data-root", str(root), "--batch-size", "8", "--images", "320",
            "--train-size", "256", "--samples", "100", "--frames", "2", "--widths", "8,4,4", "--no-progress", *extra]


def test_help_exits_zero(capsys):
    with pytest.raises(SystemExit) as exit_info:
        demo("fashion_progressive")(["--help"])
    assert exit_info.value.code == 0 and "--images" in capsys.readouterr().out


def test_default_run_directory_names_the_style(tmp_path, monkeypatch):
    """Runs of the two styles with one seed do not meet in one directory: the second one's
    --out would be refused as a finished run, or its --resume mix the styles."""
    monkeypatch.chdir(tmp_path)
    main = demo("fashion_progressive")
    module = main.__wrapped__.__globals__
    for style in ("karras", "dcgan"):
        args = module["parse_demo_args"](module["parser"](), ["--style", style, "--seed", "3"], "checkpoint.npz")
        assert args.out.as_posix() == f"runs/fashion_progressive/{style}/seed3"


def test_bad_widths_are_refused_before_the_data_loads(tmp_path, monkeypatch):
    def no_data(*args, **kwargs):
        raise AssertionError("the training set was loaded before the arguments were checked")
    monkeypatch.setattr("minigan.data.fashion_mnist.load_fashion_mnist", no_data)
    with pytest.raises(SystemExit) as exit_info:
        demo("fashion_progressive")(["--out", str(tmp_path / "run"), "--style", "dcgan", "--widths", "8,4,4"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize("argv", [["--batch-size", "6"], ["--widths", "8,4"], ["--images", "0"], ["--beta2", "2"],
                                  ["--resume"], ["--style", "dcgan", "--widths", "8,4,4"], ["--style", "big"],
                                  ["--schedule", "1,2,3"], ["--schedule", "1,1,1,1,0"], ["--schedule", "a,1,1,1,1"],
                                  ["--schedule", "1,1,1,1,nan"], ["--schedule", "1,1,1,1,inf"]])
def test_bad_arguments_exit_two(tmp_path, argv):
    with pytest.raises(SystemExit) as exit_info:
        demo("fashion_progressive")(["--out", str(tmp_path / "run"), "--no-score", *argv])
    assert exit_info.value.code == 2


def test_demo_grows_scores_each_phase_and_resumes(tmp_path, fashion_root, capsys):
    out = tmp_path / "run"
    main = demo("fashion_progressive")
    assert main(tiny(out, fashion_root)) == 0
    for name in ("checkpoint.npz", "history.json", "history.csv", "phases.json", "curves.png", "growth.gif",
                 "metrics.json", "run.json", "grids/start.png", "grids/stable_7.png", "grids/fade_14.png",
                 "grids/stable_14.png", "grids/fade_28.png", "grids/stable_28.png"):
        assert (out / name).is_file(), name
    samples = np.load(out / "samples.npy")
    assert samples.shape == (100, 28, 28) and samples.dtype == np.float32 and np.abs(samples).max() <= 1
    metrics = json.loads((out / "metrics.json").read_text())
    assert [p["phase"] for p in metrics["phases"]] == ["stable_7", "fade_14", "stable_14", "fade_28", "stable_28"]
    assert all(p["frechet_distance"] > 0 and 1 <= p["classifier_score"] <= 10 for p in metrics["phases"])
    assert metrics["images"] == 40 * 8 and metrics["frechet_distance"] > 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["frechet_distance"] == metrics["frechet_distance"]
    # a finished run resumed: nothing to train, the same samples again
    assert main(tiny(out, fashion_root, "--resume", "--no-score")) == 0
    np.testing.assert_array_equal(np.load(out / "samples.npy"), samples)
    with pytest.raises(SystemExit) as exit_info:
        main(tiny(out, fashion_root, "--resume", "--no-score", "--lr", "0.01"))
    assert exit_info.value.code == 2


def test_dcgan_style_takes_its_own_defaults_and_resumes_on_the_same_schedule(tmp_path, fashion_root):
    out, main = tmp_path / "run", demo("fashion_progressive")
    assert main(tiny(out, fashion_root, "--style", "dcgan", "--widths", "8,4,1", "--no-score")) == 0
    phases = json.loads((out / "phases.json").read_text())
    assert [p["images"] for p in phases] == [16, 16, 32, 32, 224]           # 320 images split 5/5/10/10/70
    recorded = json.loads((out / "run.json").read_text())["args"]
    assert (recorded["lr"], recorded["beta1"], recorded["beta2"], recorded["z_dim"]) == ("0.0002", "0.5", "0.999", "100")
    again = tiny(out, fashion_root, "--style", "dcgan", "--widths", "8,4,1", "--no-score", "--resume")
    assert main(again + ["--schedule", "10,10,20,20,140"]) == 0                 # the same split, written otherwise
    with pytest.raises(SystemExit) as exit_info:
        main(again + ["--schedule", "1,1,1,1,4"])
    assert exit_info.value.code == 2


def test_dcgan_style_grows_the_dcgan_by_default(tmp_path, fashion_root):
    argv = tiny(tmp_path, fashion_root, "--style", "dcgan", "--trace")
    del argv[argv.index("--widths"):argv.index("--widths") + 2]              # the style's own widths
    assert demo("fashion_progressive")(argv) == 0
    report = (tmp_path / "trace.txt").read_text()
    assert "Dense(100, 6272" in report and "BatchNorm1d(6272" in report and "PixelNorm" not in report


def test_a_run_from_before_the_styles_resumes(tmp_path, fashion_root):
    """run.json of a run started before --style existed has no style: it was a karras run."""
    out, main = tmp_path / "run", demo("fashion_progressive")
    assert main(tiny(out, fashion_root, "--no-score")) == 0
    record = json.loads((out / "run.json").read_text())
    del record["args"]["style"], record["args"]["schedule"]
    (out / "run.json").write_text(json.dumps(record))
    assert main(tiny(out, fashion_root, "--no-score", "--resume")) == 0


def test_trace_writes_one_iteration_and_exits(tmp_path, fashion_root):
    assert demo("fashion_progressive")(tiny(tmp_path, fashion_root, "--trace")) == 0
    report = (tmp_path / "trace.txt").read_text()
    assert "discriminator step" in report and "generator step" in report
    assert not (tmp_path / "checkpoint.npz").exists()
