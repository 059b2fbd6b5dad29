"""The lesson demos on tiny budgets: each writes its figure and numbers, and the numbers show
the lesson (a vanishing minimax gradient, a spiralling bilinear game, ...)."""
import json

import numpy as np
import pytest

from tests.demos.test_toy_demos import assert_png, load_demo, run


@pytest.fixture(scope="module")
def vanishing():
    return load_demo("vanishing_gradients")


def test_the_minimax_gradient_vanishes_as_d_grows_confident_and_the_non_saturating_one_does_not(vanishing,
                                                                                                 tmp_path):
    out = tmp_path / "run"
    metrics = run(vanishing, out, "--steps", 200, "--hidden", 16, "--depth", 2, "--g-steps", 0, "--points", 5,
                  "--lr", 0.01)
    rows = metrics["experiments"][0]["measurements"]
    first, last = rows[0], rows[-1]
    assert [r["d_step"] for r in rows][:2] == [0, 1] and last["d_step"] == 200
    assert last["d_fake"] < 0.01 < 0.3 < first["d_fake"]             # D went from unsure to confident
    assert last["minimax"] < first["minimax"] / 10
    assert last["non_saturating"] > first["non_saturating"]
    assert all(r["wasserstein"] > 0 for r in rows)
    assert json.loads((out / "metrics.json").read_text()) == json.loads(json.dumps(metrics))
    assert_png(out / "vanishing_gradients.png")


@pytest.mark.parametrize("name", ["vanishing_gradients"])
def test_help_and_refusals(name, capsys, tmp_path):
    demo = load_demo(name)
    with pytest.raises(SystemExit) as exit_:
        demo.main(["--help"])
    assert exit_.value.code == 0 and "--seed" in capsys.readouterr().out
    for bad in (["--steps", "0"], ["--resume"], ["--no-such-option"]):
        with pytest.raises(SystemExit) as exit_:
            demo.main(bad + ["--out", str(tmp_path / "never")])
        assert exit_.value.code == 2
    assert not (tmp_path / "never").exists() or not any((tmp_path / "never").iterdir())
