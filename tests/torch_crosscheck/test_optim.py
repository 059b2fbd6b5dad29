"""minigan.optim against torch.optim in float64: five steps on the same parameters (a Dense
layer's weight and bias) with the same gradient sequence leave the same parameters, to
relative error < 1e-10 (``rel_error`` in tests/torch_helpers.py). The displacement p - p0 is
compared too: it is what the optimizer computes, and comparing it alone is the sharper test."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import nn, optim
from tests.strategies import seeds

torch = pytest.importorskip("torch")
from tests.torch_helpers import assert_close, copy_to_torch, rel_error  # noqa: E402

pytestmark = pytest.mark.torch
STEPS = 5

sgd_hypers = st.fixed_dictionaries({
    "lr": st.sampled_from([1e-3, 0.1]), "momentum": st.sampled_from([0.0, 0.5, 0.9]),
    "dampening": st.sampled_from([0.0, 0.3]), "weight_decay": st.sampled_from([0.0, 0.01]),
    "nesterov": st.booleans(),
}).filter(lambda h: not h["nesterov"] or (h["momentum"] > 0 and h["dampening"] == 0))   # torch's rule
adam_hypers = st.fixed_dictionaries({
    "lr": st.sampled_from([1e-3, 2e-4, 0.05]), "betas": st.sampled_from([(0.9, 0.999), (0.5, 0.999), (0.0, 0.9)]),
    "eps": st.sampled_from([1e-8, 1e-3]), "weight_decay": st.sampled_from([0.0, 0.1]),
})
rmsprop_hypers = st.fixed_dictionaries({
    "lr": st.sampled_from([1e-2, 5e-5]), "alpha": st.sampled_from([0.99, 0.9]),
    "eps": st.sampled_from([1e-8, 1e-3]), "weight_decay": st.sampled_from([0.0, 0.01]),
    "momentum": st.sampled_from([0.0, 0.9]),
})


def run_both(ours, theirs, hyper, seed):
    """Step both optimizers STEPS times; the parameters' relative errors after every step."""
    rng = np.random.default_rng(seed)
    layer = nn.Dense(3, 4, rng=rng, dtype="float64")
    module = torch.nn.Linear(3, 4).double()
    copy_to_torch(layer, module)
    start = {name: p.copy() for name, p in layer.params.items()}
    params = dict(module.named_parameters())
    opt = ours(layer, **hyper)
    torch_opt = theirs(module.parameters(), foreach=False, **hyper)
    errors = {}
    for step in range(STEPS):
        opt.zero_grad()
        torch_opt.zero_grad()
        for name in layer.params:
            # gradients of changing scale, so the moment estimates do not settle
            grad = rng.standard_normal(layer.params[name].shape) * 10.0 ** rng.uniform(-2, 1)
            layer.grads[name] += grad
            params[name].grad = torch.from_numpy(grad.copy())
        opt.step()
        torch_opt.step()
        for name, p in layer.params.items():
            theirs_now = params[name].detach().numpy()
            errors[f"step {step + 1} {name}"] = rel_error(p, theirs_now)
            errors[f"step {step + 1} {name} - start"] = rel_error(p - start[name], theirs_now - start[name])
    return errors


@given(hyper=sgd_hypers, seed=seeds)
def test_sgd(hyper, seed):
    assert_close(run_both(optim.SGD, torch.optim.SGD, hyper, seed))


@given(hyper=adam_hypers, seed=seeds)
def test_adam(hyper, seed):
    assert_close(run_both(optim.Adam, torch.optim.Adam, hyper, seed))


@given(hyper=rmsprop_hypers, seed=seeds)
def test_rmsprop(hyper, seed):
    assert_close(run_both(optim.RMSprop, torch.optim.RMSprop, hyper, seed))


@pytest.mark.parametrize("ours, theirs", [(optim.SGD, torch.optim.SGD), (optim.Adam, torch.optim.Adam),
                                          (optim.RMSprop, torch.optim.RMSprop)], ids=["sgd", "adam", "rmsprop"])
def test_defaults_match_torch(ours, theirs):
    """Hyper-parameters left out mean the same thing on both sides."""
    torch_defaults = theirs(torch.nn.Linear(1, 1).parameters()).defaults
    for key, value in ours.defaults.items():
        assert torch_defaults[key] == value, key
