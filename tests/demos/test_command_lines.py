"""The demos' command lines answer bad input and failed runs with one line on stderr and a
non-zero exit (2 for bad input, 1 for a run that diverged), never a traceback; --resume
continues only the run it was started as."""
import json

import numpy as np
import pytest

from minigan.cli import command_line
from minigan.gan import CheckpointError
from minigan.gan.guards import NonFiniteError
from tests.demos.test_toy_demos import load_demo

TINY = ["--steps", "6", "--frames", "2", "--hidden", "8", "--depth", "1", "--no-progress"]


def one_line_error(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert err and "Traceback" not in "\n".join(err) and "error:" in err[-1]
    return err[-1]


@pytest.mark.parametrize("error, status", [(CheckpointError("x.npz: not a readable minigan checkpoint"), 2),
                                           (NonFiniteError("step 3: the D loss is nan", 3, "D loss"), 1),
                                           (ValueError("Adam: lr must be a finite number >= 0, got -1"), 2),
                                           (PermissionError("run directory /x is not writable"), 2)])
def test_minigans_errors_become_one_line_and_an_exit_status(capsys, monkeypatch, error, status):
    monkeypatch.delenv("MINIGAN_DEBUG", raising=False)

    @command_line
    def main(argv=None):
        raise error
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == status and str(error).split(":")[0] in one_line_error(capsys)
    monkeypatch.setenv("MINIGAN_DEBUG", "1")
    with pytest.raises(type(error)):
        main([])


def test_other_exceptions_keep_their_traceback():
    @command_line
    def main(argv=None):
        raise IndexError("a bug")
    with pytest.raises(IndexError):
        main([])


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("toy") / "run"
    load_demo("toy_2d").main(TINY + ["--out", str(out), "--seed", "1"])
    return out


@pytest.mark.parametrize("changed, option", [(["--dataset", "grid"], "--dataset"), (["--loss", "minimax"], "--loss"),
                                             (["--seed", "2"], "--seed"), (["--lr", "0.01"], "--lr")])
def test_resume_with_another_setting_is_refused_naming_it(finished_run, capsys, changed, option):
    with pytest.raises(SystemExit) as exit_info:
        load_demo("toy_2d").main(TINY + ["--out", str(finished_run), "--seed", "1", "--resume", *changed])
    line = one_line_error(capsys)
    assert exit_info.value.code == 2 and option in line and changed[1] in line


def test_resume_may_train_longer_but_not_shorter(finished_run, capsys):
    demo = load_demo("toy_2d")
    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--steps", "3"] + TINY[2:] + ["--out", str(finished_run), "--seed", "1", "--resume"])
    assert exit_info.value.code == 2 and "already done 6" in one_line_error(capsys)
    (finished_run / ".tmp-killed.npz").write_bytes(b"half a checkpoint")
    demo.main(["--steps", "8"] + TINY[2:] + ["--out", str(finished_run), "--seed", "1", "--resume"])
    assert not list(finished_run.glob(".tmp-*"))
    run = json.loads((finished_run / "run.json").read_text())
    assert run["args"]["steps"] == "6" and run["resumed"][-1].endswith("--resume")
    metrics = json.loads((finished_run / "metrics.json").read_text())
    assert metrics["steps"] == 8 and [r["step"] for r in metrics["modes_over_training"]][:1] == [0]
    assert metrics["health"]["warnings"] == []


@pytest.mark.parametrize("damage", ["truncated checkpoint", "run.json cut short"])
def test_a_damaged_run_directory_is_one_line(tmp_path, capsys, damage):
    out = tmp_path / "run"
    load_demo("toy_2d").main(TINY + ["--out", str(out)])
    if damage == "truncated checkpoint":
        data = (out / "checkpoint.npz").read_bytes()
        (out / "checkpoint.npz").write_bytes(data[: len(data) // 2])
    else:
        (out / "run.json").write_text((out / "run.json").read_text()[:40])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        load_demo("toy_2d").main(TINY + ["--out", str(out), "--resume"])
    line = one_line_error(capsys)
    assert exit_info.value.code == 2 and ("checkpoint" in line or "run.json" in line)


def test_out_inside_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit) as exit_info:
        load_demo("toy_1d").main(TINY[:2] + ["--out", str(tmp_path / "file" / "run")])
    assert exit_info.value.code == 2 and "file" in one_line_error(capsys)


def test_a_diverging_run_stops_with_one_line_and_keeps_no_bad_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        load_demo("toy_2d").main(["--steps", "60", "--frames", "2", "--hidden", "32", "--no-progress",
                                  "--lr", "10000", "--out", str(out)])
    assert exit_info.value.code == 1 and "diverged" in one_line_error(capsys)
    if (out / "checkpoint.npz").exists():
        from minigan.gan import load_checkpoint
        arrays, _ = load_checkpoint(out / "checkpoint.npz")
        assert all(np.isfinite(a).all() for a in arrays.values() if a.dtype.kind == "f")


@pytest.mark.parametrize("name, argv", [("train_classifier", ["--epochs", "0"]), ("latent", ["--codes", "0"]),
                                        ("latent", ["--from-class", "12"])])
def test_counts_and_classes_out_of_range_exit_two(tmp_path, capsys, name, argv):
    with pytest.raises(SystemExit) as exit_info:
        load_demo(name).main(argv + ["--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2 and "must be" in one_line_error(capsys)


@pytest.mark.parametrize("name", ["fashion_semi_supervised", "fashion_progressive", "ring_oscillation", "toy_2d",
                                  "toy_1d", "fashion_dcgan"])
def test_a_weight_average_that_never_moves_is_refused_before_the_run(tmp_path, capsys, name):
    with pytest.raises(SystemExit) as exit_info:
        load_demo(name).main(["--average", "1", "--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2 and "--average" in one_line_error(capsys)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("name, option", [("fashion_semi_supervised", "--beta1"), ("fashion_progressive", "--beta1"),
                                          ("fashion_progressive", "--beta2"), ("toy_2d", "--beta1")])
def test_an_adam_beta_of_one_is_refused_before_the_run(tmp_path, capsys, name, option):
    with pytest.raises(SystemExit) as exit_info:
        load_demo(name).main([option, "1", "--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2 and option in one_line_error(capsys)
    assert not (tmp_path / "x").exists()
