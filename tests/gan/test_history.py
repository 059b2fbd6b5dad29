import io
import json

import numpy as np

from minigan.gan import History
from minigan.gan.history import Progress


def test_history_json_and_csv_round_trip(tmp_path):
    history = History()
    history.append({"step": 1, "d_loss": 1.5, "g_loss": 0.5})
    history.append({"step": 2, "d_loss": 1.0, "g_loss": 0.7})
    history.save_json(tmp_path / "h.json")
    history.save_csv(tmp_path / "h.csv")
    assert History.load_json(tmp_path / "h.json").records == history.records
    assert json.loads((tmp_path / "h.json").read_text())[1]["g_loss"] == 0.7
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines[0] == "step,d_loss,g_loss" and lines[2] == "2,1.0,0.7"
    assert history["d_loss"] == [1.5, 1.0] and history.mean("g_loss") == 0.6


def test_the_step_is_written_as_an_integer_and_the_values_as_plain_floats(tmp_path):
    history = History()
    history.append({"step": np.int64(3), "d_loss": np.float32(0.5)})
    history.save_json(tmp_path / "h.json")
    record = json.loads((tmp_path / "h.json").read_text())[0]
    assert record == {"step": 3, "d_loss": 0.5}
    assert type(record["step"]) is int and type(record["d_loss"]) is float


def test_progress_line_shows_step_losses_and_rate():
    stream = io.StringIO()
    bar = Progress(2, interval=0.0, stream=stream)
    bar.update(1, {"d_loss": 1.234, "g_loss": 0.5, "d_real": 0.6, "d_fake": 0.4, "wasserstein_estimate": 0.1})
    bar.update(2, {"d_loss": 1.0})
    out = stream.getvalue()
    assert "step 1/2" in out and "d_loss 1.234" in out and "D(G(z)) 0.400" in out and "it/s" in out
    assert "W " not in out
    assert out.endswith("\n")


def test_progress_line_shows_a_critics_wasserstein_estimate_not_sigmoids():
    stream = io.StringIO()
    Progress(1, interval=0.0, stream=stream, critic=True).update(1, {"d_loss": -1.2, "g_loss": 80.0, "d_real": 0.0,
                                                         "d_fake": 0.0, "wasserstein_estimate": 1.25})
    out = stream.getvalue()
    assert "W 1.250" in out and "D(x)" not in out and "D(G(z))" not in out


def test_csv_keeps_columns_that_appear_later(tmp_path):
    history = History([{"step": 1.0, "d_loss": 1.0}])
    history.append({"step": 2, "d_loss": 0.5, "wasserstein_estimate": 0.3})
    history.save_csv(tmp_path / "h.csv")
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines == ["step,d_loss,wasserstein_estimate", "1,1.0,", "2,0.5,0.3"]
