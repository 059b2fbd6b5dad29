import json
from collections import Counter

import numpy as np

import minigan
from minigan.losses import LOSSES
from minigan.optim import OPTIMIZERS
from minigan.reference import PRESETS, export
from minigan.reference.adapters import LAYER_KINDS
from minigan.reference.archive import read_npz, sha256_of
from minigan.reference.inputs import TAIL_LOGITS


def manifest_of(directory):
    return json.loads((directory / "manifest.json").read_text())


def test_two_exports_are_byte_identical(fixtures, tmp_path):
    export(tmp_path)
    ours = sorted(p.name for p in fixtures.iterdir())
    assert ours == sorted(p.name for p in tmp_path.iterdir())
    for name in ours:
        assert (fixtures / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_another_seed_gives_other_inputs_and_records_the_seed(fixtures, tmp_path):
    export(tmp_path, seed=1)
    assert manifest_of(tmp_path)["seed"] == 1 and manifest_of(fixtures)["seed"] == 0
    a, b = read_npz(fixtures / "Dense-bias.npz"), read_npz(tmp_path / "Dense-bias.npz")
    assert not np.array_equal(a["x"], b["x"])


def test_manifest_lists_every_file_with_its_hash_and_shapes(fixtures):
    m = manifest_of(fixtures)
    assert m["format"] == "minigan-reference/2"
    assert m["minigan_version"] == minigan.__version__ and m["dtype"] == "float64"
    assert {d: (t["rtol"], t["atol"]) for d, t in m["tolerances"].items() if d != "rule"} == PRESETS
    assert {p.name for p in fixtures.glob("*.npz")} == {c["file"] for c in m["cases"]}
    for case in m["cases"]:
        arrays = read_npz(fixtures / case["file"])
        assert sha256_of(fixtures / case["file"]) == case["sha256"]
        assert all(a.dtype == np.float64 for a in arrays.values()), case["name"]
        assert {k: list(v.shape) for k, v in arrays.items()} == {
            **case["inputs"], **{f"expected/{k}": v for k, v in case["expected"].items()}}


def test_the_grid_covers_every_layer_loss_and_optimizer(fixtures):
    cases = manifest_of(fixtures)["cases"]
    kinds = Counter(c["kind"] for c in cases)
    assert set(LAYER_KINDS) <= set(kinds)
    assert kinds["Conv2d"] >= 6 and kinds["ConvTranspose2d"] >= 6 and kinds["gan_step"] == 2
    losses = {(c["config"]["name"], c["config"]["side"]) for c in cases if c["kind"] == "loss"}
    assert losses == {(name, side) for name in LOSSES for side in ("discriminator", "generator")}
    tails = {(c["config"]["name"], c["config"]["side"]) for c in cases if c["special"] == "tails"}
    assert tails == losses
    assert {c["config"]["name"] for c in cases if c["kind"] == "optimizer"} == set(OPTIMIZERS)
    convs = [c["config"]["args"] for c in cases if c["kind"] in ("Conv2d", "ConvTranspose2d")]
    assert any(a["kernel_size"][0] != a["kernel_size"][1] for a in convs)          # rectangular kernels
    assert any(a.get("output_padding", [0])[0] > 0 for a in convs)
    assert any(not a["bias"] for a in convs)
    dense = [c["config"]["args"]["bias"] for c in cases if c["kind"] == "Dense"]
    assert True in dense and False in dense


def test_each_case_records_inputs_parameters_outputs_and_every_gradient(fixtures):
    for case in manifest_of(fixtures)["cases"]:
        if case["group"] != "layer":
            continue
        inputs, expected = set(case["inputs"]), set(case["expected"])
        params = {k.split("/", 1)[1] for k in inputs if k.startswith("param/")}
        assert {"x", "dy"} <= inputs and {"y", "dx"} <= expected, case["name"]
        assert {k.split("/", 1)[1] for k in expected if k.startswith("grad/")} == params, case["name"]


def test_batch_norm_records_running_stats_after_training_and_uses_nontrivial_ones_in_eval(fixtures):
    for case in manifest_of(fixtures)["cases"]:
        if not case["kind"].startswith("BatchNorm"):
            continue
        arrays = read_npz(fixtures / case["file"])
        assert np.abs(arrays["buffer/running_mean"]).min() > 0
        assert np.abs(arrays["buffer/running_var"] - 1).min() > 0
        moved = not np.array_equal(arrays["expected/buffer/running_var"], arrays["buffer/running_var"])
        assert moved == case["config"]["training"], case["name"]


def test_dropout_in_training_stores_its_mask_and_applies_it(fixtures):
    arrays = read_npz(fixtures / "Dropout-p0.5-train-mask.npz")
    mask = arrays["mask"]
    assert set(np.unique(mask)) == {0.0, 2.0}
    np.testing.assert_array_equal(arrays["expected/y"], arrays["x"] * mask)
    np.testing.assert_array_equal(arrays["expected/dx"], arrays["dy"] * mask)
    assert "mask" not in read_npz(fixtures / "Dropout-p0.5-eval.npz")


def test_every_input_is_a_float32_number(fixtures):
    for path in fixtures.glob("*.npz"):
        for name, a in read_npz(path).items():
            if not name.startswith("expected/"):
                np.testing.assert_array_equal(a.astype(np.float32).astype(np.float64), a, err_msg=f"{path.name} {name}")


def test_kink_cases_hold_exact_zeros_and_equal_samples(fixtures):
    for name in ("ReLU-kink.npz", "LeakyReLU-slope0.2-kink.npz"):
        x = read_npz(fixtures / name)["x"]
        assert (x == 0).sum() >= x.size // 3 and (x > 0).any() and (x < 0).any()
        assert np.signbit(x[x == 0]).any()                        # a -0.0 among them
    arrays = read_npz(fixtures / "MinibatchDiscrimination-kink.npz")
    M = arrays["x"] @ arrays["param/weight"]
    assert np.array_equal(M[0], M[1]) and np.array_equal(M[2], M[3]) and not np.array_equal(M[0], M[2])


def test_the_tail_cases_reach_both_tails(fixtures):
    arrays = read_npz(fixtures / "loss-non-saturating-discriminator-tails.npz")
    for key in ("real_logits", "fake_logits"):
        assert sorted(arrays[key].ravel()) == sorted(TAIL_LOGITS)
    assert np.isfinite(arrays["expected/value"]) and arrays["expected/value"] > 100


def test_batch_norm_corners(fixtures):
    arrays = read_npz(fixtures / "BatchNorm1d-2d-train-constant-channel.npz")
    assert np.all(arrays["x"][:, 0] == arrays["x"][0, 0])
    assert np.all(np.isfinite(arrays["expected/dx"]))
    manifest = {c["name"]: c for c in manifest_of(fixtures)["cases"]}
    assert manifest["BatchNorm2d/4d-train-batch1"]["inputs"]["x"][0] == 1
    assert manifest["BatchNorm1d/2d-train-batch2"]["inputs"]["x"] == [2, 4]


def test_every_new_convention_case_says_what_it_pins(fixtures):
    for case in manifest_of(fixtures)["cases"]:
        if case["special"] or case["group"] == "gan_step" or "small-gradients" in case["name"]:
            assert len(case["pins"]) > 20, case["name"]
