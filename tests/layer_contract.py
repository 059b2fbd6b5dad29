"""The properties every layer must have, checked in one place for all of them.

``assert_layer_contract(layer, x, device)`` checks, on the given device:
  1. backward matches central finite differences for the input and every parameter (float64);
  2. backward is linear in dy (input and parameter gradients);
  3. forward and backward leave their arguments untouched;
  4. a non-contiguous input gives the same output and gradients as a contiguous one;
  5. the same input gives the same result twice, and a second backward ADDS into grads;
  6. a float32 input through float32 parameters stays float32 end to end.
"""
import numpy as np

from minigan.backend import to_device, to_numpy
from minigan.gradcheck import check_layer


def run(layer, x, dy):
    """Forward, then backward from zeroed grads: (y, dx, {name: grad}) as NumPy copies."""
    _replay(layer)
    y = layer.forward(x)
    layer.zero_grad()
    dx = layer.backward(dy)
    grads = {k: to_numpy(v).copy() for k, v in layer.grads.items()}
    return to_numpy(y).copy(), to_numpy(dx).copy(), grads


def _replay(layer):
    # Dropout draws a mask per forward; restart its generator so runs see the same mask.
    for m in layer.modules():
        if hasattr(m, "rng"):
            m.rng = np.random.default_rng(1234)


def non_contiguous(a):
    """The same values in Fortran order: a strided view that is not C-contiguous (for ndim > 1)."""
    axes = tuple(reversed(range(a.ndim)))
    return a.transpose(axes).copy().transpose(axes)


def _close(a, b, tol, floor=1e-14):
    """Equal up to tol relative to the larger array's magnitude; ``floor`` absorbs the rounding
    noise of gradients that are exactly zero in exact arithmetic (a bias before batch norm)."""
    a, b = np.asarray(a), np.asarray(b)
    scale = max(np.abs(a).max(initial=0), np.abs(b).max(initial=0))
    return np.abs(a - b).max(initial=0) <= tol * scale + floor


def assert_layer_contract(layer, x, device="cpu", seed=0, rtol=1e-5, atol=1e-8):
    rng = np.random.default_rng(seed)
    layer.to(device).astype(np.float64)
    x = to_device(np.asarray(x, dtype=np.float64), device)

    report = check_layer(layer, x, seed=seed, rtol=rtol, atol=atol)
    assert report.ok, str(report)

    y_shape = to_numpy(layer.forward(x)).shape
    dy1 = to_device(rng.standard_normal(y_shape), device)
    dy2 = to_device(rng.standard_normal(y_shape), device)
    x_before, dy_before = to_numpy(x).copy(), to_numpy(dy1).copy()
    y, dx1, g1 = run(layer, x, dy1)
    assert np.array_equal(to_numpy(x), x_before), "forward/backward modified the input"
    assert np.array_equal(to_numpy(dy1), dy_before), "backward modified dy"

    _, dx2, g2 = run(layer, x, dy2)
    _, dx12, g12 = run(layer, x, 2.0 * dy1 - 3.0 * dy2)
    assert _close(dx12, 2.0 * dx1 - 3.0 * dx2, 1e-10), "input gradient is not linear in dy"
    for k in g1:
        assert _close(g12[k], 2.0 * g1[k] - 3.0 * g2[k], 1e-10), f"grad {k} is not linear in dy"

    y_again, dx_again, g_again = run(layer, x, dy1)
    assert np.array_equal(y, y_again) and np.array_equal(dx1, dx_again), "not deterministic"
    for k in g1:
        assert np.array_equal(g1[k], g_again[k]), f"grad {k} not deterministic"

    layer.backward(dy1)                      # without zero_grad: gradients add up
    for k in g1:
        assert _close(to_numpy(layer.grads[k]), 2 * g1[k], 1e-12), f"grad {k} is not accumulated"

    y_nc, dx_nc, g_nc = run(layer, non_contiguous(x), non_contiguous(dy1))
    assert _close(y_nc, y, 1e-12) and _close(dx_nc, dx1, 1e-12), "non-contiguous input changes the result"
    for k in g1:
        assert _close(g_nc[k], g1[k], 1e-12), f"non-contiguous input changes grad {k}"

    layer.astype(np.float32)
    y32, dx32, g32 = run(layer, x.astype(np.float32), dy1.astype(np.float32))
    assert y32.dtype == np.float32 and dx32.dtype == np.float32, (y32.dtype, dx32.dtype)
    for k, g in g32.items():
        assert g.dtype == np.float32, f"grad {k} is {g.dtype}"
    assert _close(y32, y, 1e-4), "float32 forward disagrees with float64"
    return report
