import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import accel
from minigan.reference import adapters, check
from minigan.reference.adapters import LayerAdapter, factory as minigan_factory
from minigan.reference.check import compare


def test_minigan_readable_paths_reproduce_every_case_exactly(fixtures):
    report = check(fixtures, minigan_factory)
    assert report.ok and report.failed == report.skipped == 0 and report.passed == len(report.cases) > 50
    assert max(c.max_abs_error for c in report.cases) == 0.0          # same code, same numbers
    assert report.summary() == f"{report.passed} passed, 0 failed, 0 skipped"


def test_minigan_fast_twins_pass_every_case(fixtures, monkeypatch):
    """The same adapters with every layer and optimizer switched to minigan.accel's twins."""
    build_layer, build_optimizer = adapters.build_layer, adapters.build_optimizer
    built = []

    def fast(obj):
        built.append(accel.apply(obj))
        return obj
    monkeypatch.setattr(adapters, "build_layer", lambda kind, args: fast(build_layer(kind, args)))
    monkeypatch.setattr(adapters, "build_optimizer", lambda *a: fast(build_optimizer(*a)))
    report = check(fixtures, minigan_factory)
    assert report.ok, str(report)
    assert report.passed == len(report.cases)
    assert any(accel.is_applied(obj) for obj in built)


def test_a_factory_can_be_named_as_module_colon_attribute(fixtures):
    report = check(fixtures, "minigan.reference.adapters:factory", cases="loss/*")
    assert report.ok and report.passed == 13


class WrongBiasGradient(LayerAdapter):
    def backward(self, dy):
        dx, grads = super().backward(dy)
        if "bias" in grads:
            grads["bias"] = grads["bias"] * 1.001
        return dx, grads


class TransposedDenseWeight(LayerAdapter):
    """Reads a (out, in) weight as if it were (in, out): a classic porting bug."""

    def set_params(self, state):
        if "weight" in state:
            w = state["weight"]
            state = {**state, "weight": w.reshape(w.shape[::-1]).T}
        super().set_params(state)


def broken(adapter_class, kinds):
    def factory(kind, config):
        return adapter_class(kind, config) if kind in kinds else minigan_factory(kind, config)
    return factory


def test_a_wrong_bias_gradient_fails_naming_the_case_and_the_tensor(fixtures):
    report = check(fixtures, broken(WrongBiasGradient, ("Dense", "Conv2d")))
    assert not report.ok
    failed = {c.name for c in report.cases if c.status == "failed"}
    assert failed == {"Dense/bias", "Dense/batch-1"} | {
        c.name for c in report.cases if c.kind == "Conv2d" and "no-bias" not in c.name}
    dense = report.case("Dense/bias")
    assert [t.name for t in dense.tensors if not t.ok] == ["grad/bias"]
    text = str(report)
    assert "FAIL Dense/bias" in text and "FAIL grad/bias" in text and "worst at" in text
    assert text.splitlines()[-1] == f"{report.passed} passed, {report.failed} failed, 0 skipped"


def test_a_transposed_weight_layout_fails_every_output_that_depends_on_the_weight(fixtures):
    report = check(fixtures, broken(TransposedDenseWeight, ("Dense",)), cases="Dense/*")
    assert report.failed == 3
    # dW = dy^T x does not involve W, so only y and dx are off
    assert {t.name for t in report.case("Dense/bias").tensors if not t.ok} == {"y", "dx"}


class Unsupported:
    def __init__(self, *args):
        raise NotImplementedError("no transposed convolutions here")


def test_not_implemented_is_skipped_and_other_errors_fail_with_their_message(fixtures):
    def factory(kind, config):
        if kind == "ConvTranspose2d":
            return Unsupported()
        if kind == "Tanh":
            raise RuntimeError("boom")
        return minigan_factory(kind, config)
    report = check(fixtures, factory, cases=["ConvTranspose2d/*", "Tanh/*", "ReLU/*"])
    assert (report.passed, report.failed, report.skipped) == (2, 1, 8)
    assert "no transposed convolutions here" in report.cases[0].message
    assert "RuntimeError: boom" in report.case("Tanh/2d").message
    assert not report.ok


def test_missing_extra_and_misshapen_tensors_fail(fixtures):
    class Sloppy(LayerAdapter):
        def backward(self, dy):
            dx, grads = super().backward(dy)
            grads.pop("weight")
            return dx[:1], {**grads, "scale": np.ones(3)}
    report = check(fixtures, broken(Sloppy, ("Dense",)), cases="Dense/bias")
    notes = {t.name: t.note for t in report.cases[0].tensors if not t.ok}
    assert notes["grad/weight"].startswith("missing")
    assert notes["grad/scale"].startswith("unexpected")
    assert notes["dx"].startswith("shape (1, 5)")


def test_float32_implementations_pass_only_at_loosened_tolerances(fixtures):
    class Float32(LayerAdapter):
        def set_params(self, state):
            super().set_params(state)
            self.layer.astype(np.float32)

        def forward(self, x):
            return super().forward(x.astype(np.float32))

        def backward(self, dy):
            return super().backward(dy.astype(np.float32))
    factory = broken(Float32, ("Dense", "Conv2d"))
    assert not check(fixtures, factory, cases=["Dense/*", "Conv2d/*"])
    assert check(fixtures, factory, rtol=1e-4, atol=1e-5, cases=["Dense/*", "Conv2d/*"])


def test_a_tampered_fixture_fails(fixtures, tmp_path):
    for f in fixtures.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    path = tmp_path / "Sigmoid-2d.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    report = check(tmp_path, minigan_factory, cases="Sigmoid/*")
    assert report.failed == 1 and "SHA-256" in report.cases[0].message


def test_a_missing_manifest_says_how_to_make_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="reference export"):
        check(tmp_path, minigan_factory)


tolerances = st.sampled_from([0.0, 1e-12, 1e-9, 1e-6])


@given(st.floats(-1e3, 1e3), tolerances, tolerances)
def test_compare_uses_isclose_rule(value, rtol, atol):
    expected = np.array([value, 1.0])
    bump = atol + rtol * abs(value)
    assert compare("t", expected + [bump * 0.5, 0], expected, rtol, atol).ok
    result = compare("t", expected + [bump * 2 + 1e-12, 0], expected, rtol, atol)
    assert not result.ok and result.max_abs_error > bump and "worst at (0,)" in result.note


def test_compare_flags_non_finite_values():
    result = compare("t", np.array([np.nan, 1.0]), np.array([0.0, 1.0]), 1e-9, 1e-12)
    assert not result.ok and "non-finite value at (0,)" in result.note
