"""Helpers for the PyTorch cross-checks in tests/torch_crosscheck/ (import only after torch is found).

Relative error, used by every cross-check:

    rel_error(a, b) = max|a - b| / max(max|b|, floor, TINY)    b = PyTorch's array, TINY = float64's tiny

so the worst element is measured against the array's scale; two all-zero arrays give 0.
``floor`` is 0 except where both sides compute a difference of nearly equal numbers, whose
rounding error scales with the terms, not the result; the floor is then the terms' size:
  - batch norm's training dx over m = 2 values per channel (analytically ~eps-small) and
    tanh/sigmoid's dx in the saturated tails (1 - y^2 from a y rounded near 1):
    ``dx_gain * max|dy|``, dx_gain being the size of a term per unit dy;
  - loss values and logit gradients (softplus(l) - l, sigmoid(l) - 1): see test_losses.py.
Weights cross by name in both directions: minigan's ``params`` and ``buffers`` use PyTorch's
names ("weight", "0.bias", "2.running_mean"), and the copy checks names and shapes match.
"""
import numpy as np
import torch

TINY = np.finfo(np.float64).tiny
TOL = 1e-10

# The tensors here are tiny: waking a second intra-op thread costs more than the work
# (a 30x slow-down measured on 2 busy cores).
torch.set_num_threads(1)


def as_numpy(a):
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


def rel_error(a, b, floor=0.0):
    a, b = as_numpy(a), as_numpy(b)
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), floor, TINY))


def assert_close(errors, tol=TOL):
    """errors: name -> relative error. Fails naming every entry at or above tol."""
    bad = {name: err for name, err in errors.items() if not err < tol}
    assert not bad, f"relative errors >= {tol:g}: {bad} (all: {errors})"


def _torch_stores(module):
    return dict(module.named_parameters()), dict(module.named_buffers())


def copy_to_torch(layer, module):
    """minigan -> torch: every parameter and buffer by name; the parameter names must match exactly."""
    params, buffers = _torch_stores(module)
    assert set(params) == set(layer.params), (sorted(params), sorted(layer.params))
    with torch.no_grad():
        for store, theirs in ((layer.params, params), (layer.buffers, buffers)):
            for name, value in store.items():
                assert tuple(theirs[name].shape) == value.shape, (name, theirs[name].shape, value.shape)
                theirs[name].copy_(torch.from_numpy(np.array(value, dtype=np.float64)))


def copy_from_torch(module, layer):
    """torch -> minigan: ``layer.params[name] = tensor.detach().numpy()`` (a copy), buffers too."""
    params, buffers = _torch_stores(module)
    assert set(params) == set(layer.params), (sorted(params), sorted(layer.params))
    for store, theirs in ((layer.params, params), (layer.buffers, buffers)):
        for name in list(store):
            assert tuple(theirs[name].shape) == store[name].shape, (name, theirs[name].shape, store[name].shape)
            store[name] = theirs[name].detach().numpy().copy()
    layer.zero_grad()


def crosscheck(layer, module, x, rng, dx_gain=0.0):
    """Forward x through both, backward the same upstream gradient dy ~ N(0, 1) drawn from rng;
    name -> relative error for the output, the input gradient (floor dx_gain * max|dy|), every
    parameter gradient and every buffer (batch-norm running statistics, after the forward pass)."""
    layer.zero_grad()
    y = layer.forward(x)
    dy = rng.standard_normal(y.shape)
    dx = layer.backward(dy)
    assert y.dtype == dx.dtype == np.float64, (y.dtype, dx.dtype)
    xt = torch.tensor(x, requires_grad=True)
    yt = module(xt)
    yt.backward(torch.from_numpy(dy))
    errors = {"y": rel_error(y, yt), "dx": rel_error(dx, xt.grad, dx_gain * np.max(np.abs(dy)))}
    params, buffers = _torch_stores(module)
    for name in layer.params:
        errors["grad " + name] = rel_error(layer.grads[name], params[name].grad)
    for name in layer.buffers:
        errors["buffer " + name] = rel_error(layer.buffers[name], buffers[name])
    return errors


def randomize(layer, seed, scale=0.5):
    """Every parameter N(0, scale^2) (1-D weights, batch-norm scales, centred on 1) and every
    running statistic drawn away from its start value, so no default value hides a bug."""
    rng = np.random.default_rng(seed)
    for name, value in list(layer.params.items()):
        noise = rng.standard_normal(value.shape) * scale
        layer.params[name] = noise + 1.0 if name.endswith("weight") and value.ndim == 1 else noise
    for name, value in list(layer.buffers.items()):
        if name.endswith("running_var"):
            layer.buffers[name] = rng.uniform(0.5, 2.0, value.shape)
        else:
            layer.buffers[name] = rng.standard_normal(value.shape)
    layer.zero_grad()
    return layer


def randomize_torch(module, seed, scale=0.5):
    """The torch twin of ``randomize``, drawn with torch's own generator (for the torch -> minigan copy)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.normal_(1.0 if name.endswith("weight") and p.ndim == 1 else 0.0, scale, generator=gen)
        for name, b in module.named_buffers():
            if name.endswith("running_var"):
                b.uniform_(0.5, 2.0, generator=gen)
            elif name.endswith("running_mean"):
                b.normal_(generator=gen)
    return module
