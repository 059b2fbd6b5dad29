"""Check hand-written gradients against central finite differences, in float64.

For a random upstream gradient dy, the scalar L(x, theta) = sum(forward(x) * dy) has
dL/dx = backward(dy) and dL/dtheta = what backward adds into ``grads``. Each element is
compared with
    numeric_i = (L(x + h e_i) - L(x - h e_i)) / (2h)          error O(h^2)
and passes when |analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|).
The report gives, per tensor, the worst element's absolute and relative error and the
norm-wise relative error ||analytic - numeric|| / max(||analytic||, ||numeric||).

``check_layer`` works on any object with the members of minigan.reference.protocol (params
and grads dicts, forward, backward, optionally buffers and zero_grad): minigan's layers and a
Sequential as they are, and plain objects of your own;
``check_double_backward`` checks a layer's second-order pass the same way, against finite
differences of its backward; ``check_function`` on a plain pair of callables. Both return a ``GradReport``; its ``ok``
says pass or fail and ``str(report)`` shows the worst element of every tensor checked.
"""
from dataclasses import dataclass, field

import numpy as np

from .backend import get_array_module, to_numpy


@dataclass
class TensorCheck:
    """The comparison for one tensor (the input or one parameter)."""
    name: str
    shape: tuple
    max_abs_error: float
    max_rel_error: float
    norm_rel_error: float
    worst_index: tuple
    analytic: float
    numeric: float
    ok: bool
    note: str = ""

    def __str__(self):
        flag = "ok  " if self.ok else "FAIL"
        return (f"{flag} {self.name:<16} {str(self.shape):<18} abs {self.max_abs_error:.2e}  "
                f"rel {self.max_rel_error:.2e}  norm-rel {self.norm_rel_error:.2e}  worst at {self.worst_index}: "
                f"analytic {self.analytic:.10g} vs numeric {self.numeric:.10g}"
                + (f"\n       {self.note}" if self.note else ""))


@dataclass
class GradReport:
    checks: list = field(default_factory=list)

    @property
    def ok(self):
        return all(c.ok for c in self.checks)

    @property
    def max_rel_error(self):
        return max((c.max_rel_error for c in self.checks), default=0.0)

    @property
    def norm_rel_error(self):
        return max((c.norm_rel_error for c in self.checks), default=0.0)

    @property
    def max_abs_error(self):
        return max((c.max_abs_error for c in self.checks), default=0.0)

    def __bool__(self):
        return self.ok

    def __str__(self):
        head = "gradient check " + ("passed" if self.ok else "FAILED")
        return "\n".join([head] + [f"  {c}" for c in self.checks])


def _compare(name, analytic, numeric, rtol, atol, tiny):
    analytic, numeric = to_numpy(analytic).astype(np.float64), to_numpy(numeric)
    if analytic.shape != numeric.shape:
        raise ValueError(f"{name}: analytic gradient has shape {analytic.shape}, expected {numeric.shape}")
    err = np.abs(analytic - numeric)
    scale = np.maximum(np.abs(analytic), np.abs(numeric))
    rel = err / np.maximum(scale, tiny)
    bad = err - (atol + rtol * scale)
    if err.size == 0:
        return TensorCheck(name, numeric.shape, 0.0, 0.0, 0.0, (), 0.0, 0.0, True)
    worst = np.unravel_index(np.argmax(bad), err.shape)
    norm_rel = np.linalg.norm(err) / max(np.linalg.norm(analytic), np.linalg.norm(numeric), tiny)
    return TensorCheck(name, numeric.shape, float(err.max()), float(rel.max()), float(norm_rel),
                       tuple(int(i) for i in worst),
                       float(analytic[worst]), float(numeric[worst]), bool((bad <= 0).all()))


def _numeric_gradient(objective, array, eps, indices):
    """Central differences of objective() with respect to array's entries, perturbed in place."""
    grad = np.zeros(array.shape)
    for idx in indices:
        old = array[idx].item()
        array[idx] = old + eps
        plus = objective()
        array[idx] = old - eps
        minus = objective()
        array[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def _indices(shape, max_elements, rng):
    every = list(np.ndindex(*shape))
    if max_elements is None or len(every) <= max_elements:
        return every
    return [every[i] for i in rng.choice(len(every), max_elements, replace=False)]


def _stores(layer):
    """The dicts of arrays a check may change: every leaf's params, grads and buffers for a
    minigan container (it exposes its children's arrays through views), else the object's own."""
    if hasattr(layer, "_own_stores"):
        return list(layer._own_stores())
    return [store for store in (getattr(layer, name, None) for name in ("params", "grads", "buffers"))
            if store is not None]


def _modules(layer):
    return list(layer.modules()) if hasattr(layer, "modules") else [layer]


class _Snapshot:
    """Saves a layer's arrays and generator states; restores them after the check."""

    def __init__(self, layer):
        self.stores = [(s, dict(s)) for s in _stores(layer)]
        self.rngs = [(m, m.rng.bit_generator.state) for m in _modules(layer)
                     if isinstance(getattr(m, "rng", None), np.random.Generator)]

    def to_float64(self, xp):
        """Every array replaced by a float64 copy, so the originals stay untouched."""
        for store, saved in self.stores:
            for name, value in saved.items():
                store[name] = xp.array(value, dtype=np.float64)

    def replay_randomness(self):
        for m, state in self.rngs:
            m.rng.bit_generator.state = state

    def restore(self):
        for store, saved in self.stores:
            if type(store) is dict:
                store.clear()
            store.update(saved)
        self.replay_randomness()


def _zero_grad(layer):
    if callable(getattr(layer, "zero_grad", None)):
        layer.zero_grad()
    else:
        for name, p in layer.params.items():
            layer.grads[name] = p * 0


def check_layer(layer, x, dy=None, *, loss=None, wrt=None, eps=1e-6, rtol=1e-5, atol=1e-8,
                seed=0, max_elements=None):
    """Check ``layer.backward`` against finite differences of ``layer.forward``.

    layer:   any object with params and grads (dicts), forward and backward (backward leaves
             dL/dparam in grads, set or added), optionally buffers and zero_grad (without it
             the check fills grads with zeros): a minigan layer, a Sequential, or a plain object.
             forward must read its parameters from ``params`` on every call: the check
             perturbs the arrays it finds there.
    x:       the input; copied to float64, as are the layer's parameters for the check.
    dy:      upstream gradient (drawn from N(0, 1) with ``seed`` when None).
    loss:    optional callable y -> (value, dvalue/dy) used instead of sum(y * dy),
             e.g. ``NonSaturating().generator`` to check a whole generator loss.
    wrt:     names to check: "input" and parameter names; None checks all of them.
    max_elements: check a random subset of that many entries per tensor (big layers).

    Parameters, gradients, buffers and random generators of the layer are restored after.
    Layers that draw random numbers in forward (Dropout) keep a ``rng``; its state is
    replayed before every forward so every evaluation sees the same draw.
    """
    rng = np.random.default_rng(seed)
    xp = get_array_module(x, *layer.params.values())
    snapshot = _Snapshot(layer)
    try:
        snapshot.to_float64(xp)
        x = xp.array(x, dtype=np.float64)

        def run(inp):
            snapshot.replay_randomness()
            return layer.forward(inp)

        y = run(x)
        if loss is None:
            dy = xp.asarray(rng.standard_normal(y.shape) if dy is None else dy, dtype=np.float64)

            def objective():
                return float((run(x) * dy).sum())
            upstream = dy
        else:
            def objective():
                return float(loss(run(x))[0])
            upstream = loss(y)[1]
        _zero_grad(layer)
        dx = layer.backward(upstream)
        names = list(layer.params) if wrt is None else [n for n in wrt if n != "input"]
        report = GradReport()
        tiny = max(atol, 1e-12)      # relative errors of near-zero entries are measured against this
        if wrt is None or "input" in wrt:
            if dx is None:
                raise ValueError("layer.backward returned None: set needs_input_grad=True or leave 'input' out of wrt")
            indices = _indices(x.shape, max_elements, rng)
            numeric = _numeric_gradient(objective, x, eps, indices)
            report.checks.append(_compare("input", _subset(dx, indices), numeric, rtol, atol, tiny))
        for name in names:
            p = layer.params[name]
            if name not in layer.grads:
                raise ValueError(f"backward left no gradient for parameter {name!r} in layer.grads")
            analytic = layer.grads[name].copy()
            indices = _indices(p.shape, max_elements, rng)
            numeric = _numeric_gradient(objective, p, eps, indices)
            check = _compare(name, _subset(analytic, indices), numeric, rtol, atol, tiny)
            if not check.ok and not numeric.any():
                check.note = f"the numeric gradient is 0: does forward read layer.params[{name!r}] on every call?"
            report.checks.append(check)
        return report
    finally:
        snapshot.restore()


def check_double_backward(layer, x, dy=None, ddx=None, *, eps=1e-6, rtol=1e-5, atol=1e-8, seed=0,
                          max_elements=None):
    """Check ``layer.backward_backward`` against finite differences of ``layer.backward``.

    The scalar S(x, theta, dy) = sum(backward(dy) * ddx), backward run after forward(x), has
    dS/ddy = the ddy backward_backward returns, dS/dx = its dx_extra (None counts as zero) and
    dS/dtheta = what it adds into ``grads``; each is compared with central differences of S.
    dy and ddx are drawn from N(0, 1) with ``seed`` when None. Everything else as check_layer.
    """
    rng = np.random.default_rng(seed)
    xp = get_array_module(x, *layer.params.values())
    snapshot = _Snapshot(layer)
    was_requiring = [m.requires_grad for m in layer.modules()]
    try:
        snapshot.to_float64(xp)
        x = xp.array(x, dtype=np.float64)
        y_shape = layer.forward(x).shape
        dy = xp.array(rng.standard_normal(y_shape) if dy is None else dy, dtype=np.float64)
        ddx = xp.asarray(rng.standard_normal(x.shape) if ddx is None else ddx, dtype=np.float64)

        def first_order():
            snapshot.replay_randomness()
            layer.forward(x)
            layer.requires_grad_(False)             # the first pass adds nothing to grads
            dx = layer.backward(dy)
            layer.requires_grad_(True)
            return dx

        def objective():
            return float((first_order() * ddx).sum())

        first_order()
        layer.zero_grad()
        ddy, dx_extra = layer.backward_backward(ddx)
        if dx_extra is None:
            dx_extra = xp.zeros_like(x)
        report = GradReport()
        tiny = max(atol, 1e-12)
        for name, array, analytic in (("input", x, dx_extra), ("dy", dy, ddy)):
            indices = _indices(array.shape, max_elements, rng)
            numeric = _numeric_gradient(objective, array, eps, indices)
            report.checks.append(_compare(name, _subset(analytic, indices), numeric, rtol, atol, tiny))
        for name in list(layer.params):
            p, analytic = layer.params[name], layer.grads[name].copy()
            indices = _indices(p.shape, max_elements, rng)
            numeric = _numeric_gradient(objective, p, eps, indices)
            report.checks.append(_compare(name, _subset(analytic, indices), numeric, rtol, atol, tiny))
        return report
    finally:
        for m, flag in zip(layer.modules(), was_requiring):
            m.requires_grad = flag
        snapshot.restore()


def _subset(analytic, indices):
    """Keep the analytic entries that were differenced; zero the rest (their numeric is 0 too)."""
    analytic = to_numpy(analytic).astype(np.float64)
    if len(indices) == analytic.size:
        return analytic
    kept = np.zeros_like(analytic)
    for idx in indices:
        kept[idx] = analytic[idx]
    return kept


def check_function(forward, backward, inputs, dy=None, *, eps=1e-6, rtol=1e-5, atol=1e-8, seed=0):
    """Check a plain pair of callables: forward(*inputs) -> y, backward(dy) -> gradient(s).

    ``inputs`` is one array or a tuple of arrays; backward returns one gradient or a tuple
    in the same order. For a scalar forward (a loss) dy defaults to 1.
    """
    single = not isinstance(inputs, (tuple, list))
    inputs = [inputs] if single else list(inputs)
    xp = get_array_module(*inputs)
    inputs = [xp.array(a, dtype=np.float64) for a in inputs]
    rng = np.random.default_rng(seed)
    y = forward(*inputs)
    shape = getattr(y, "shape", ())
    if dy is None:
        dy = 1.0 if shape == () else rng.standard_normal(shape)
    dy = xp.asarray(dy, dtype=np.float64)
    grads = backward(dy)
    grads = [grads] if single else list(grads)
    report = GradReport()

    def objective():
        return float((forward(*inputs) * dy).sum())

    for i, (a, g) in enumerate(zip(inputs, grads)):
        numeric = _numeric_gradient(objective, a, eps, list(np.ndindex(*a.shape)))
        report.checks.append(_compare(f"input[{i}]" if not single else "input", g, numeric, rtol, atol,
                                      max(atol, 1e-12)))
    return report
