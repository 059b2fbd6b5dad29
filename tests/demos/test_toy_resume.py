"""--resume and --trace in the toy demos: an interrupted run resumed from its checkpoint ends
with the very samples and history of an uninterrupted one; --trace records one iteration and stops."""
import json

import numpy as np
import pytest

from minigan.gan import GANTrainer
from tests.demos.test_toy_demos import load_demo

ARGS = ["--steps", "40", "--frames", "4", "--hidden", "16", "--depth", "2", "--no-progress", "--seed", "5"]


@pytest.mark.parametrize("name,extra", [("toy_2d", ["--dataset", "ring", "--trick", "minibatch"]), ("toy_1d", [])])
def test_interrupted_run_resumes_to_the_same_samples(tmp_path, monkeypatch, name, extra):
    demo = load_demo(name)
    demo.main(ARGS + extra + ["--out", str(tmp_path / "straight")])

    original = GANTrainer.train_step

    def interrupted(self):
        if self.step == 23:                            # after the checkpoint of step 22
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(GANTrainer, "train_step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        demo.main(ARGS + extra + ["--out", str(tmp_path / "resumed")])
    monkeypatch.setattr(GANTrainer, "train_step", original)
    with pytest.raises(SystemExit) as refused:
        demo.main(ARGS + extra + ["--out", str(tmp_path / "resumed")])
    assert refused.value.code == 2                     # a non-empty run dir needs --resume or --overwrite
    demo.main(ARGS + extra + ["--out", str(tmp_path / "resumed"), "--resume"])

    straight = tmp_path / "straight"
    resumed = tmp_path / "resumed"
    sample_file = "samples.npy" if (straight / "samples.npy").exists() else "metrics.json"
    if sample_file == "samples.npy":
        np.testing.assert_array_equal(np.load(resumed / sample_file), np.load(straight / sample_file))
    from minigan.gan import load_checkpoint
    a, _ = load_checkpoint(straight / "checkpoint.npz")
    b, meta = load_checkpoint(resumed / "checkpoint.npz")
    assert meta["step"] == 40
    history = [json.loads((d / "history.json").read_text()) for d in (straight, resumed)]
    assert history[0] == history[1]                    # toy_1d's JSD measurements included
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert len(list((resumed / "frames").glob("step_*.png"))) == len(list((straight / "frames").glob("step_*.png")))


def test_resume_without_a_checkpoint_exits_2(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        load_demo("toy_2d").main(ARGS + ["--out", str(tmp_path / "new"), "--resume"])
    assert exit_info.value.code == 2


def test_trace_records_one_iteration_and_stops(tmp_path):
    load_demo("toy_2d").main(ARGS + ["--out", str(tmp_path / "t"), "--trace"])
    text = (tmp_path / "t" / "trace.txt").read_text()
    assert "Dense" in text and not (tmp_path / "t" / "samples.npy").exists()
