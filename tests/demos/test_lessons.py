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


@pytest.mark.parametrize("name", ["vanishing_gradients", "bilinear_game", "ring_oscillation"])
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


@pytest.fixture(scope="module")
def bilinear():
    return load_demo("bilinear_game")


@pytest.mark.parametrize("rule, expected", [
    ("simultaneous", [[1, 1], [0.5, 1.5], [-0.25, 1.75]]),       # x - eta y, y + eta x
    ("alternating", [[1, 1], [0.5, 1.25], [-0.125, 1.1875]]),    # y takes the new x
    ("extragradient", [[1, 1], [0.25, 1.25], [-0.4375, 1.0625]]),
    ("optimistic", [[1, 1], [0.5, 1.5], [-0.5, 1.5]]),          # first step: z_prev = z_0
    ("consensus", [[1, 1], [0.4, 1.4], [-0.34, 1.46]]),          # gamma 0.2
])
def test_bilinear_iterates_match_the_ones_computed_by_hand(bilinear, rule, expected):
    """eta = 0.5 from (1, 1). Extragradient step 1: look-ahead (0.5, 1.5), then (1 - 0.5 * 1.5,
    1 + 0.5 * 0.5); optimistic step 2: x = 0.5 - 2 * 0.5 * 1.5 + 0.5 * 1, y = 1.5 + 2 * 0.5 * 0.5 - 0.5 * 1 (the last x);
    consensus step 1: (1 - 0.5 (1 + 0.2), 1 + 0.5 (1 - 0.2))."""
    np.testing.assert_allclose(bilinear.iterate(rule, np.array([1.0, 1.0]), 2, 0.5, gamma=0.2), expected,
                               rtol=1e-12)


def test_bilinear_rules_keep_the_closed_forms_of_their_norms(bilinear):
    eta, start = 0.1, np.array([0.3, -1.2])
    norm2 = {rule: (p ** 2).sum(axis=1) for rule, p in
             ((r, bilinear.iterate(r, start, 50, eta, gamma=0.2)) for r in bilinear.RULES)}
    steps = np.arange(51)
    np.testing.assert_allclose(norm2["simultaneous"], 1.53 * (1 + eta ** 2) ** steps, rtol=1e-12)
    np.testing.assert_allclose(norm2["extragradient"], 1.53 * (1 - eta ** 2 + eta ** 4) ** steps, rtol=1e-12)
    np.testing.assert_allclose(norm2["consensus"], 1.53 * ((1 - eta * 0.2) ** 2 + eta ** 2) ** steps, rtol=1e-12)
    x, y = bilinear.iterate("alternating", start, 50, eta).T
    np.testing.assert_allclose(x ** 2 + y ** 2 - eta * x * y, 1.53 + eta * 0.36, rtol=1e-12)   # an orbit
    assert norm2["optimistic"][-1] < 0.7 * norm2["optimistic"][0]


def test_bilinear_demo_spirals_out_orbits_and_cures(bilinear, tmp_path):
    out = tmp_path / "run"
    metrics = run(bilinear, out, "--steps", 300)
    final = metrics["final_distance"]
    start = np.sqrt(2)
    assert final["simultaneous"] > 3 * start
    assert 0.8 * start < final["alternating"] < 1.2 * start
    assert max(final[r] for r in ("averaged", "extragradient", "optimistic", "consensus")) < 0.5 * start
    assert len(metrics["distance"]["alternating"]) == 301
    assert_png(out / "bilinear_game.png")


@pytest.fixture(scope="module")
def oscillation():
    return load_demo("ring_oscillation")


def test_mode_shares_by_hand(oscillation):
    modes = np.array([[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0]])
    samples = np.array([[1.9, 0.1], [0.1, 1.5], [0.2, 2.2], [-3.0, -0.5]])
    np.testing.assert_allclose(oscillation.mode_shares(samples, modes), [0.25, 0.5, 0.25])


def test_ring_oscillation_records_shares_of_g_and_of_its_average(oscillation, tmp_path):
    out = tmp_path / "run"
    metrics = run(oscillation, out, "--steps", 40, "--every", 10, "--hidden", 16, "--depth", 2, "--average", 0.9)
    shares = metrics["shares_over_training"]
    assert shares["step"] == [10, 20, 30, 40]
    for key in ("G", "average"):
        rows = np.array(shares[key])
        assert rows.shape == (4, 8) and np.allclose(rows.sum(axis=1), 1)
        hops = 0.5 * np.abs(np.diff(rows, axis=0)).sum(axis=1).mean()
        assert metrics["hop_rate"][key] == pytest.approx(hops) and 0 <= hops <= 1
    assert shares["G"] != shares["average"]
    replayed = run(oscillation, tmp_path / "replay", "--steps", 40, "--every", 10, "--hidden", 16, "--depth", 2,
                   "--average", 0.9, "--replay", 2)
    assert replayed["replay"] == 2 and replayed["shares_over_training"]["G"] != shares["G"]
    assert len(json.loads((out / "history.json").read_text())) == 40
    assert_png(out / "oscillation.png")
