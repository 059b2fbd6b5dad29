import json
import re

import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import accel, nn
from minigan.reference import adapters, check
from minigan.reference.adapters import factory as minigan_factory
from minigan.reference.archive import read_npz
from minigan.reference.check import compare


def test_minigan_reproduces_every_case_exactly(fixtures):
    report = check(fixtures, minigan_factory)
    assert report.ok and report.failed == report.skipped == 0 and report.passed == len(report.cases) > 80
    assert max(c.max_abs_error for c in report.cases) == 0.0          # same code, same numbers
    assert report.summary() == f"{report.passed} passed, 0 failed, 0 skipped"


def test_minigan_in_float32_passes_the_float32_preset_and_not_the_float64_one(fixtures):
    loose = check(fixtures, minigan_factory, dtype="float32")
    assert loose.ok, str(loose)
    assert 0 < max(c.max_rel_error for c in loose.cases) < 1e-5     # float32 arithmetic really ran
    tight = check(fixtures, minigan_factory, dtype="float32", rtol=1e-9, atol=1e-12, cases=["Conv2d/*"])
    assert tight.failed == len(tight.cases)


def test_minigan_fast_twins_pass_every_case(fixtures, monkeypatch):
    """The same factory with every layer and optimizer switched to minigan.accel's twins."""
    build_layer, build_optimizer = adapters.build_layer, adapters.build_optimizer
    built = []

    def fast(obj):
        built.append(accel.apply(obj))
        return obj
    monkeypatch.setattr(adapters, "build_layer", lambda *a: fast(build_layer(*a)))
    monkeypatch.setattr(adapters, "build_optimizer", lambda *a, **k: fast(build_optimizer(*a, **k)))
    report = check(fixtures, minigan_factory)
    assert report.ok, str(report)
    assert any(accel.is_applied(obj) for obj in built)


def test_a_factory_can_be_named_as_module_colon_attribute(fixtures):
    report = check(fixtures, "minigan.reference.adapters:factory", cases="loss/*")
    assert report.ok and report.passed == 23


class WrongBiasGradient(nn.Dense):
    def backward(self, dy):
        dx = super().backward(dy)
        if "bias" in self.grads:
            self.grads["bias"] *= 1.001
        return dx


def with_layer(kind, cls):
    """minigan's factory with one layer class replaced."""
    def factory(k, config):
        if k != kind:
            return minigan_factory(k, config)
        return cls(**config["args"], dtype="float64").train(config["training"])
    return factory


def test_a_wrong_bias_gradient_fails_naming_the_case_and_the_tensor(fixtures):
    report = check(fixtures, with_layer("Dense", WrongBiasGradient), cases="Dense/*")
    assert {c.name for c in report.cases if c.status == "failed"} == {"Dense/bias", "Dense/batch-1"}
    assert [t.name for t in report.case("Dense/bias").failing] == ["grad/bias"]
    text = str(report)
    assert "FAIL Dense/bias" in text and "FAIL grad/bias" in text and "pins: weight (out, in)" in text
    assert text.splitlines()[-1] == "1 passed, 2 failed, 0 skipped"


def failing_lines(text):
    return [line for line in text.splitlines() if line.strip().startswith("FAIL ") and "allowed" in line]


@given(st.floats(1e-3, 1e3), st.sampled_from([1e-12, 1e-9, 1e-6]), st.sampled_from([0.0, 1e-12, 1e-6]))
def test_a_fail_line_prints_the_criterion_it_failed(scale, rtol, atol):
    """The printed numbers are the criterion's own: |error| > allowed and a ratio above 1, even
    where an element far from the tensor's largest value fails (the scale-relative error would
    look small there)."""
    expected = np.array([scale * 1e6, scale, -scale])
    actual = expected * (1 + np.array([0, 0, 1e-2]))
    result = compare("t", actual, expected, rtol, atol)
    assert not result.ok and result.ratio > 1
    got, allowed, ratio = re.search(r"\|error\| (\S+) > allowed (\S+) \((\S+) x\)", result.note).groups()
    assert float(got) > float(allowed) and float(ratio) > 1 and "at (2,)" in result.note


tolerances = st.sampled_from([0.0, 1e-12, 1e-9, 1e-6])


@given(st.floats(-1e3, 1e3), tolerances, tolerances)
def test_compare_uses_isclose_rule(value, rtol, atol):
    expected = np.array([value, 1.0])
    bump = atol + rtol * abs(value)
    assert compare("t", expected + [bump * 0.5, 0], expected, rtol, atol).ok
    result = compare("t", expected + [bump * 2 + 1e-12, 0], expected, rtol, atol)
    assert not result.ok and result.max_abs_error > bump and "at (0,)" in result.note


def test_compare_flags_non_finite_values():
    result = compare("t", np.array([np.nan, 1.0]), np.array([0.0, 1.0]), 1e-9, 1e-12)
    assert not result.ok and "non-finite value at (0,)" in result.note


class ShortConvTranspose(nn.ConvTranspose2d):
    """Forgets output_padding in forward; its backward then cannot take the fixture's dy."""

    def __init__(self, **args):
        super().__init__(**{**args, "output_padding": 0})


def test_a_wrong_forward_shape_is_reported_there_and_backward_is_not_run(fixtures):
    report = check(fixtures, with_layer("ConvTranspose2d", ShortConvTranspose), cases="ConvTranspose2d/k3-s2-p1-op1")
    case = report.cases[0]
    assert [t.name for t in case.tensors] == ["y"]
    assert "shape (2, 2, 5, 5), expected (2, 2, 6, 6)" in case.tensors[0].note
    assert "output_padding" in case.tensors[0].hint and "later stages were not run" in case.message
    assert "error" not in case.message


class EinsumTypo(nn.Dense):
    def backward(self, dy):
        return np.einsum("no,io->ni", dy, self.params["weight"])     # weight is (out, in): raises in NumPy


def test_an_exception_is_located_in_the_implementation_not_in_numpy(fixtures):
    report = check(fixtures, with_layer("Dense", EinsumTypo), cases="Dense/bias")
    message = report.cases[0].message
    assert message.startswith("error: ValueError") and "einsumfunc" not in message
    assert re.search(r"at tests/reference/test_check\.py:\d+ in backward: return np\.einsum", message), message


def test_not_implemented_is_skipped_and_other_errors_fail_with_their_message(fixtures):
    def factory(kind, config):
        if kind == "ConvTranspose2d":
            raise NotImplementedError("no transposed convolutions here")
        if kind == "Tanh":
            raise RuntimeError("boom")
        return minigan_factory(kind, config)
    report = check(fixtures, factory, cases=["ConvTranspose2d/*", "Tanh/*", "ReLU/*"])
    assert (report.passed, report.failed, report.skipped) == (3, 1, 10)
    assert "no transposed convolutions here" in report.cases[0].message
    assert "RuntimeError: boom" in report.case("Tanh/2d").message


def test_missing_and_extra_gradients_fail(fixtures):
    class Sloppy(nn.Dense):
        def backward(self, dy):
            dx = super().backward(dy)
            del self.grads["weight"]
            self.grads["scale"] = np.ones(3)
            return dx
    report = check(fixtures, with_layer("Dense", Sloppy), cases="Dense/bias")
    notes = {t.name: t.note for t in report.cases[0].failing}
    assert notes["grad/weight"].startswith("missing") and notes["grad/scale"].startswith("unexpected")


def test_dump_writes_the_failing_arrays_and_the_inputs(fixtures, tmp_path):
    report = check(fixtures, with_layer("Dense", WrongBiasGradient), cases="Dense/*", dump=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dense-batch-1.npz", "Dense-bias.npz"]
    dumped = read_npz(tmp_path / "Dense-bias.npz")
    assert {"x", "dy", "param/weight", "expected/grad/bias", "actual/grad/bias"} <= set(dumped)
    np.testing.assert_allclose(dumped["actual/grad/bias"], 1.001 * dumped["expected/grad/bias"], rtol=1e-12)
    assert not report.ok


def test_a_tampered_fixture_fails(fixtures, tmp_path):
    for f in fixtures.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    path = tmp_path / "Sigmoid-2d.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    report = check(tmp_path, minigan_factory, cases="Sigmoid/*")
    assert report.failed == 1 and "SHA-256" in report.cases[0].message


def test_a_missing_manifest_says_how_to_make_one_and_an_old_format_is_refused(fixtures, tmp_path):
    with pytest.raises(FileNotFoundError, match="reference export"):
        check(tmp_path, minigan_factory)
    manifest = json.loads((fixtures / "manifest.json").read_text())
    (tmp_path / "manifest.json").write_text(json.dumps({**manifest, "format": "minigan-reference/1"}))
    with pytest.raises(ValueError, match="export the fixtures again"):
        check(tmp_path, minigan_factory)


def test_an_unknown_dtype_has_no_preset(fixtures):
    with pytest.raises(ValueError, match="float64, float32"):
        check(fixtures, minigan_factory, dtype="float16")
