"""One protocol for every check: the same plain objects go through check_layer's finite
differences, the fixture checker and the composed GAN step, and minigan's own objects do
too without a wrapper."""
import numpy as np
import pytest

from minigan.gradcheck import check_layer
from minigan.optim import Adam
from minigan.reference import check
from minigan.reference.protocol import Holder, load_state, zero_grads
from tests.reference.independent import composed_factory, factory, layers


class PlainDense:
    """The smallest plain object of the protocol: no base class, no zero_grad."""

    def __init__(self, in_features, out_features, bias=True):
        self.params = {"weight": np.zeros((out_features, in_features))}
        if bias:
            self.params["bias"] = np.zeros(out_features)
        self.grads = {}

    def forward(self, x):
        self.x = x
        return x @ self.params["weight"].T + self.params.get("bias", 0)

    def backward(self, dy):
        self.grads["weight"] = dy.T @ self.x
        if "bias" in self.params:
            self.grads["bias"] = dy.sum(axis=0)
        return dy @ self.params["weight"]


def plain_factory(kind, config):
    if kind == "Dense":
        return PlainDense(**config["args"])
    raise NotImplementedError(kind)


def test_the_same_plain_object_passes_check_layer_and_the_fixtures(fixtures, rng):
    layer = PlainDense(5, 4)
    layer.params["weight"] = rng.standard_normal((4, 5))
    layer.params["bias"] = rng.standard_normal(4)
    before = {k: v.copy() for k, v in layer.params.items()}
    assert check_layer(layer, rng.standard_normal((6, 5))).ok
    for name, value in before.items():                       # check_layer restores what it changed
        np.testing.assert_array_equal(layer.params[name], value)
    report = check(fixtures, plain_factory)
    assert (report.passed, report.failed) == (3, 0) and report.skipped == len(report.cases) - 3


def test_check_layer_fails_a_plain_object_with_a_wrong_gradient(rng):
    class HalfBias(PlainDense):
        def backward(self, dy):
            dx = super().backward(dy)
            self.grads["bias"] = self.grads["bias"] / 2
            return dx
    layer = HalfBias(3, 2)
    layer.params["weight"] = rng.standard_normal((2, 3))
    report = check_layer(layer, rng.standard_normal((4, 3)))
    assert [c.name for c in report.checks if not c.ok] == ["bias"]


def test_check_layer_takes_a_plain_layer_with_buffers_and_restores_them(rng):
    layer = layers.BatchNorm(3, 1e-5, 0.1, training=True)
    running = {k: v.copy() for k, v in layer.buffers.items()}
    assert check_layer(layer, rng.standard_normal((5, 3))).ok
    for name, value in running.items():
        np.testing.assert_array_equal(layer.buffers[name], value)


def test_the_composed_gan_step_runs_plain_objects_in_both_dtypes(fixtures):
    for dtype in ("float64", "float32"):
        report = check(fixtures, composed_factory, cases="gan_step/*", dtype=dtype)
        assert report.ok and report.passed == 2, str(report)


def test_minigan_objects_pass_the_composed_step_without_a_wrapper(fixtures):
    from minigan.reference.adapters import factory as minigan_factory

    def composed(kind, config):
        if kind == "gan_step":
            raise NotImplementedError("compose it")
        return minigan_factory(kind, config)
    report = check(fixtures, composed, cases="gan_step/*")
    assert report.ok and report.passed == 2
    assert max(c.max_abs_error for c in report.cases) == 0.0        # the trainer's own numbers


def test_the_independent_implementation_passes_everything_it_implements(fixtures):
    for dtype in ("float64", "float32"):
        report = check(fixtures, factory, dtype=dtype)
        assert report.ok, str(report)
        assert report.skipped == sum(c.kind in ("Dropout",) or "hinge" in c.name or "wasserstein" in c.name
                                     or "rmsprop" in c.name for c in report.cases)


def test_load_state_names_what_the_object_lacks():
    layer = PlainDense(2, 3)
    with pytest.raises(KeyError, match=r"no 'W' \(it has \['bias', 'weight'\]\)"):
        load_state(layer, {"W": np.zeros((3, 2))})
    empty = type("Empty", (), {"params": {}})()
    load_state(empty, {"anything": np.ones(2)})               # an empty dict takes any name
    assert list(empty.params) == ["anything"]


def test_without_zero_grad_the_checks_fill_gradients_with_zeros():
    layer = PlainDense(2, 3)
    layer.grads = {"weight": np.ones((3, 2))}
    zero_grads(layer)
    assert set(layer.grads) == {"weight", "bias"} and not any(g.any() for g in layer.grads.values())


def test_a_minigan_optimizer_steps_a_holder_of_plain_arrays():
    model = Holder({"w": np.ones(3)})
    optimizer = Adam(model, lr=0.1)
    model.grads["w"] = np.array([1.0, -1.0, 0.0])
    optimizer.step()
    np.testing.assert_allclose(model.params["w"], [0.9, 1.1, 1.0])


class FormerDense:
    """A layer adapter of fixture format 1: set_params, and backward returning (dx, grads)."""

    def __init__(self, config):
        self.bias = config["args"]["bias"]

    def set_params(self, state):
        self.W, self.b = state["weight"], state.get("bias")

    def forward(self, x):
        self.x = x
        return x @ self.W.T + (self.b if self.bias else 0)

    def backward(self, dy):
        grads = {"weight": dy.T @ self.x}
        if self.bias:
            grads["bias"] = dy.sum(axis=0)
        return dy @ self.W, grads


class FormerAdam:
    def __init__(self, hyper):
        self.opt_hyper = hyper

    def set_params(self, params):
        self.model = Holder(params)
        self.opt = Adam(self.model, **{k: tuple(v) if isinstance(v, list) else v for k, v in self.opt_hyper.items()})

    def step(self, grads):
        self.model.grads.update(grads)
        self.opt.step()
        return dict(self.model.params)


def test_adapters_of_format_1_are_still_read(fixtures):
    def former(kind, config):
        if kind == "Dense":
            return FormerDense(config)
        if kind == "optimizer" and config["name"] == "adam":
            return FormerAdam(config["hyper"])
        raise NotImplementedError(kind)
    report = check(fixtures, former, cases=["Dense/*", "optimizer/adam/*"])
    assert report.ok and report.passed == 8, str(report)
