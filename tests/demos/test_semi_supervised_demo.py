"""demos/fashion_semi_supervised.py end to end on a tiny budget (real data; skipped without it)."""
import importlib.util
import json

import numpy as np
import pytest

from tests.demos.test_fashion_demos import DEMOS, demo


def demo_module():
    spec = importlib.util.spec_from_file_location("demo_fashion_semi_supervised", DEMOS / "fashion_semi_supervised.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny(out, root, *extra):
    return ["--out", str(out), "--data-root", str(root), "--batch-size", "20", "--train-size", "600",
            "--test-size", "200", "--samples", "50", "--eval-every", "2", "--no-score", "--no-progress", *extra]


def test_help_exits_zero(capsys):
    with pytest.raises(SystemExit) as exit_info:
        demo("fashion_semi_supervised")(["--help"])
    assert exit_info.value.code == 0 and "--labels" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--labels", "15"], ["--labels", "0"], ["--resume"], ["--trace"],
                                  ["--hidden", "500,0"], ["--hidden", "500,,250"], ["--hidden", "wide"]])
def test_bad_arguments_exit_two(tmp_path, argv):
    with pytest.raises(SystemExit) as exit_info:
        demo("fashion_semi_supervised")(["--out", str(tmp_path / "run"), *argv])
    assert exit_info.value.code == 2


def test_the_labelled_subset_is_balanced_and_drawn_from_the_seed():
    balanced_subset = demo_module().balanced_subset
    labels = np.random.default_rng(0).integers(0, 10, 5000)
    picks = [balanced_subset(labels, 100, np.random.default_rng([seed, 0])) for seed in (0, 0, 1)]
    assert np.bincount(labels[picks[0]], minlength=10).tolist() == [10] * 10
    assert len(set(picks[0].tolist())) == 100
    np.testing.assert_array_equal(picks[0], picks[1])
    assert not np.array_equal(picks[0], picks[2])


def test_a_tiny_run_writes_its_files_and_resumes(tmp_path, fashion_root, capsys):
    main, out = demo("fashion_semi_supervised"), tmp_path / "run"
    argv = tiny(out, fashion_root, "--labels", "20", "--steps", "2")
    argv.remove("--no-progress")
    assert main(argv) == 0
    assert capsys.readouterr().err.splitlines()[0].startswith("layers: minigan.accel")
    for name in ("checkpoint.npz", "metrics.json", "evaluations.json", "accuracy.png", "samples.png", "samples.npy",
                 "run.json"):
        assert (out / name).is_file(), name
    assert main(tiny(out, fashion_root, "--labels", "20", "--steps", "4", "--resume")) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 4 and [e["step"] for e in metrics["evaluations"]] == [2, 4]
    for name in ("semi_supervised", "supervised_only"):
        assert np.array(metrics[name]["confusion_matrix"]).sum() == 200
        assert len(metrics[name]["per_class_accuracy"]) == 10
    run = json.loads((out / "run.json").read_text())
    assert len(run["labelled_indices"]) == 20 and len(run["resumed"]) == 1
    with pytest.raises(SystemExit) as exit_info:                   # another recipe cannot continue this run
        main(tiny(out, fashion_root, "--labels", "30", "--steps", "6", "--resume"))
    assert exit_info.value.code == 2


def test_hidden_sets_the_widths_of_d_and_of_the_baseline(tmp_path, fashion_root):
    main, out = demo("fashion_semi_supervised"), tmp_path / "run"
    assert main(tiny(out, fashion_root, "--labels", "20", "--steps", "2", "--hidden", "30,20,10,12")) == 0
    with np.load(out / "checkpoint.npz") as arrays:
        shapes = {name: arrays[name].shape for name in arrays.files if name.endswith("weight")}
    for prefix in ("D/", "baseline/"):
        widths = [shape for name, shape in sorted(shapes.items()) if name.startswith(prefix)]
        assert sorted(widths) == sorted([(30, 784), (20, 30), (10, 20), (12, 10), (10, 12)]), (prefix, shapes)
    with pytest.raises(SystemExit) as exit_info:             # a resumed run keeps its body
        main(tiny(out, fashion_root, "--labels", "20", "--steps", "4", "--resume"))
    assert exit_info.value.code == 2


def test_damaged_data_is_one_line_and_exit_two(tmp_path, capsys):
    root = tmp_path / "data"                    # searched first: the damaged file is found, and refused
    root.mkdir()
    (root / "train-images-idx3-ubyte.gz").write_bytes(b"not the data set")
    with pytest.raises(SystemExit) as exit_info:
        demo("fashion_semi_supervised")(["--out", str(tmp_path / "run"), "--data-root", str(root), "--no-progress"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "error:" in err and "Traceback" not in err


def test_resume_refuses_fewer_steps_than_done(tmp_path, fashion_root, capsys):
    main, out = demo("fashion_semi_supervised"), tmp_path / "run"
    assert main(tiny(out, fashion_root, "--labels", "20", "--steps", "4")) == 0
    with pytest.raises(SystemExit) as exit_info:
        main(tiny(out, fashion_root, "--labels", "20", "--steps", "2", "--resume"))
    assert exit_info.value.code == 2 and "already done 4" in capsys.readouterr().err
