import numpy as np
import pytest

from minigan import nn, optim
from minigan.optim import SGD, Adam, RMSprop


def model_with_grads(seed=0):
    layer = nn.Dense(3, 2, rng=seed).astype(np.float64)
    rng = np.random.default_rng(seed)
    for name in layer.grads:
        layer.grads[name] = rng.standard_normal(layer.params[name].shape)
    return layer


def test_sgd_without_momentum_is_p_minus_lr_g():
    layer = model_with_grads()
    before = {k: v.copy() for k, v in layer.params.items()}
    SGD(layer, lr=0.1).step()
    for k in before:
        np.testing.assert_allclose(layer.params[k], before[k] - 0.1 * layer.grads[k])


def test_sgd_momentum_accumulates_velocity():
    layer = model_with_grads()
    w0 = layer.params["weight"].copy()
    g = layer.grads["weight"].copy()
    opt = SGD(layer, lr=0.1, momentum=0.9)
    opt.step()
    opt.step()          # same gradient twice: v1 = g, v2 = 0.9 g + g
    np.testing.assert_allclose(layer.params["weight"], w0 - 0.1 * g - 0.1 * 1.9 * g)


def test_adam_first_step_moves_every_weight_by_lr_in_the_gradient_sign():
    layer = model_with_grads()
    before = layer.params["weight"].copy()
    Adam(layer, lr=2e-4, betas=(0.5, 0.999)).step()
    step = layer.params["weight"] - before
    # m_hat = g, v_hat = g^2 after bias correction: the update is lr * g / (|g| + eps).
    np.testing.assert_allclose(step, -2e-4 * np.sign(layer.grads["weight"]), rtol=1e-6)


def test_rmsprop_first_step():
    layer = model_with_grads()
    before = layer.params["weight"].copy()
    g = layer.grads["weight"]
    RMSprop(layer, lr=0.01, alpha=0.99).step()
    np.testing.assert_allclose(layer.params["weight"], before - 0.01 * g / (np.sqrt(0.01 * g * g) + 1e-8))


@pytest.mark.parametrize("cls,kwargs", [(SGD, {"lr": 0.1, "momentum": 0.9}), (Adam, {"lr": 1e-2}),
                                        (RMSprop, {"lr": 1e-2, "momentum": 0.5})])
def test_state_round_trip_continues_identically(cls, kwargs):
    a, b = model_with_grads(), model_with_grads()
    opt_a = cls(a, **kwargs)
    for _ in range(3):
        opt_a.step()
    b.params["weight"][...] = a.params["weight"]
    b.params["bias"][...] = a.params["bias"]
    opt_b = cls(b, lr=123.0)
    opt_b.load_state_dict(opt_a.state_dict())
    for _ in range(2):
        opt_a.step()
        opt_b.step()
    np.testing.assert_array_equal(a.params["weight"], b.params["weight"])


def test_optimizer_updates_in_place_and_keeps_float32():
    layer = nn.Dense(3, 2, rng=0)
    w = layer.params["weight"]
    layer.grads["weight"][...] = 1.0
    Adam(layer).step()
    assert layer.params["weight"] is w and w.dtype == np.float32
    assert Adam(layer).state == {}


def test_optimizer_follows_params_assigned_later():
    layer = model_with_grads()
    opt = SGD(layer, lr=1.0)
    layer.params["weight"] = np.zeros((2, 3))
    layer.grads["weight"] = np.ones((2, 3))
    opt.step()
    np.testing.assert_array_equal(layer.params["weight"], -np.ones((2, 3)))


def test_sequential_parameters_reach_the_optimizer():
    model = nn.Sequential(nn.Dense(2, 3, rng=0), nn.ReLU(), nn.Dense(3, 1, rng=1))
    x = np.ones((4, 2), np.float32)
    model.zero_grad()
    model.backward(np.ones_like(model.forward(x)))
    before = {k: v.copy() for k, v in model.params.items()}
    SGD(model, lr=0.1).step()
    changed = [k for k in before if not np.array_equal(before[k], model.params[k])]
    assert set(changed) == {k for k in before if model.grads[k].any()} and len(changed) >= 2


def test_bad_arguments_are_rejected():
    with pytest.raises(TypeError, match="momentumm"):
        SGD(nn.Dense(2, 2), momentumm=0.9)
    with pytest.raises(ValueError, match="lr must be a finite number >= 0"):
        Adam(nn.Dense(2, 2), lr=-1.0)


def many_params_model(n=10):
    return nn.Sequential(*[nn.Dense(3, 3, rng=i) for i in range(n // 2)])


@pytest.mark.parametrize("bad", ["missing", "shape", "dtype", "nan", "inf"])
@pytest.mark.parametrize("which", [0, 9])
def test_step_refuses_a_bad_gradient_naming_it_and_updates_nothing(bad, which):
    model = many_params_model()
    for name, p in model.params.items():
        model.grads[name] = np.ones_like(p)
    name = list(model.params)[which]
    if bad == "missing":
        model.grads[name] = None
    elif bad == "shape":
        model.grads[name] = np.ones(7, dtype=np.float32)
    elif bad == "dtype":
        model.grads[name] = np.ones(model.params[name].shape, dtype=np.int32)
    else:
        model.grads[name][(0,) * model.grads[name].ndim] = np.nan if bad == "nan" else -np.inf
    before = {k: v.copy() for k, v in model.params.items()}
    opt = Adam(model)
    with pytest.raises(ValueError, match=f"'{name}'"):
        opt.step()
    assert opt.step_count == 0
    assert all(np.array_equal(before[k], v) for k, v in model.params.items())


def _adam_run(moves):
    """Three Adam steps on a small model with fixed gradients; ``moves`` (step -> callable on the
    model) happen before that step. Returns the weights and moments as float64 host arrays."""
    from minigan.backend import to_device, to_numpy
    model = nn.Sequential(nn.Dense(3, 4, rng=1), nn.Dense(4, 2, rng=2))
    opt = optim.Adam(model, lr=0.1)
    rng = np.random.default_rng(0)
    grads = [{k: rng.standard_normal(p.shape) for k, p in model.params.items()} for _ in range(3)]
    for step, g in enumerate(grads):
        moves.get(step, lambda m: None)(model)
        for k, p in model.params.items():
            model.grads[k] = to_device(g[k].astype(p.dtype), "cuda" if type(p).__module__ != "numpy" else "cpu")
        opt.step()
    return ({k: to_numpy(v).astype(np.float64) for k, v in model.params.items()},
            {f"{k}/{key}": to_numpy(v).astype(np.float64) for k, slot in opt.state.items() for key, v in slot.items()})


def test_adam_state_follows_the_model_to_another_device_and_keeps_its_moments():
    """Moving the model between steps moves the moments with it; nothing is reset to zero."""
    from tests.fake_device import fake_cuda
    expected = _adam_run({})
    with fake_cuda():
        got = _adam_run({1: lambda m: m.to("cuda")})
    for want, have in zip(expected, got):
        assert want.keys() == have.keys()
        for k in want:
            np.testing.assert_allclose(have[k], want[k], rtol=1e-6, err_msg=k)


def test_adam_state_follows_a_cast_and_keeps_its_moments():
    expected = _adam_run({})
    got = _adam_run({2: lambda m: m.astype("float64")})
    for want, have in zip(expected, got):
        for k in want:
            np.testing.assert_allclose(have[k], want[k], rtol=1e-5, err_msg=k)


def test_state_of_another_shape_is_refused_naming_it():
    model = nn.Dense(3, 2, rng=0)
    opt = optim.Adam(model)
    model.zero_grad()
    opt.step()
    model.params["weight"] = np.zeros((5, 3), np.float32)
    model.zero_grad()
    with pytest.raises(ValueError, match="weight/exp_avg.*build a new optimizer"):
        opt.step()
