"""The fused CUDA kernels (minigan/nn/fused.py) against the CuPy paths they replace: with
``fast.CUDA_FUSED`` on and off, on the same data, every layer's output, input gradient,
parameter gradients and running statistics, Adam's steps and a whole DCGAN iteration agree:
the activations bit for bit, the rest to float rounding (CUDA may fuse a * b + c into one
rounding). These need a GPU; without one only the switch's own tests run here."""
import os
import subprocess
import sys

import numpy as np
import pytest

from minigan import optim
from minigan.backend import cuda_available, to_device, to_numpy
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator
from minigan.nn import BatchNorm1d, BatchNorm2d, LeakyReLU, ReLU, Sequential, fast, fused

def cuda(test):
    """Marked "cuda" (benchmarks/gpu_check.sh selects them) and skipped without a GPU."""
    skip = pytest.mark.skipif(not cuda_available(), reason="CuPy with a working GPU is not available")
    return pytest.mark.cuda(skip(test))
TOL = {"float64": 1e-12, "float32": 2e-5}


def test_switch_is_off_unless_asked_for():
    """Off by default (the kernels have not run on a GPU yet); $MINIGAN_CUDA_FUSED=1 turns it on."""
    code = "from minigan.nn import fast; print(fast.CUDA_FUSED)"
    env = {k: v for k, v in os.environ.items() if k != "MINIGAN_CUDA_FUSED"}
    for value, expected in ((None, "False"), ("1", "True"), ("0", "False")):
        if value is not None:
            env["MINIGAN_CUDA_FUSED"] = value
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected


def test_numpy_data_never_takes_the_fused_path():
    with fast.cuda_fused():
        assert not fused.active(np.zeros(3, np.float32))
        layer = LeakyReLU(0.2)
        x = np.array([-2.0, 3.0], np.float32)
        np.testing.assert_array_equal(layer.forward(x), np.array([-0.4, 3.0], np.float32))
    assert not fast.CUDA_FUSED


def close(a, b, dtype):
    a, b = to_numpy(a).astype(np.float64), to_numpy(b).astype(np.float64)
    assert a.shape == b.shape
    return np.abs(a - b).max(initial=0) <= TOL[dtype] * max(np.abs(b).max(initial=0), 1e-30)


def run(layer, x, dy):
    """Output, input gradient, parameter gradients and buffers of one forward and backward."""
    layer.zero_grad()
    y = layer.forward(x).copy()
    dx = layer.backward(dy).copy()
    return [y, dx] + [g.copy() for g in layer.grads.values()] + [b.copy() for b in layer.buffers.values()]


def both_ways(make, x, dy):
    """run() on CuPy with the fused kernels off, then on."""
    results = []
    for on in (False, True):
        with fast.cuda_fused(on):
            results.append(run(make().to("cuda"), to_device(x, "cuda"), to_device(dy, "cuda")))
    return results


def channels_last(x):
    return np.ascontiguousarray(np.moveaxis(x, 1, -1)).transpose(0, 3, 1, 2)


@cuda
@pytest.mark.parametrize("make", [ReLU, lambda: LeakyReLU(0.2), lambda: LeakyReLU(1.5)])
def test_activations_bit_for_bit(make):
    rng = np.random.default_rng(0)
    x = channels_last(rng.standard_normal((5, 3, 4, 2)).astype(np.float32))
    dy = rng.standard_normal(x.shape).astype(np.float32)
    off, on = both_ways(make, x, dy)
    for a, b in zip(on, off):
        assert a.dtype == b.dtype and a.strides == b.strides
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


@cuda
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 5, 6)])
def test_batchnorm(dtype, affine, training, shape):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(shape) * 2 + 0.5).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)

    def make():
        layer = (BatchNorm1d if len(shape) == 2 else BatchNorm2d)(shape[1], affine=affine, dtype=dtype)
        if affine:
            layer.params["weight"][...] = np.random.default_rng(2).uniform(0.5, 1.5, shape[1])
            layer.params["bias"][...] = np.random.default_rng(3).uniform(-1, 1, shape[1])
        layer.buffers["running_var"][...] = 1.7
        return layer.train() if training else layer.eval()
    off, on = both_ways(make, x, dy)
    for a, b in zip(on, off):
        assert close(a, b, dtype)


@cuda
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_adam(dtype, weight_decay):
    def steps(on):
        layer = BatchNorm1d(300, dtype=dtype).to("cuda")
        opt = optim.Adam(layer, lr=1e-2, betas=(0.5, 0.999), weight_decay=weight_decay)
        rng = np.random.default_rng(4)
        with fast.cuda_fused(on):
            for _ in range(5):
                for name, p in layer.params.items():
                    layer.grads[name] = to_device(rng.standard_normal(p.shape).astype(dtype), "cuda")
                opt.step()
        return [layer.params[k] for k in sorted(layer.params)] + \
            [opt.state[k][key] for k in sorted(opt.state) for key in sorted(opt.state[k])]
    for a, b in zip(steps(True), steps(False)):
        assert close(a, b, dtype)


@cuda
def test_dcgan_iteration():
    """G into D, forward and backward, then Adam on both, in float64: the same numbers."""
    def iteration(on):
        G, D = dcgan_generator(rng=0, dtype="float64"), dcgan_discriminator(rng=1, dtype="float64")
        model = Sequential(*G.layers, *D.layers).to("cuda")
        opt = optim.Adam(model, lr=2e-4, betas=(0.5, 0.999))
        z = to_device(np.random.default_rng(2).standard_normal((6, 100)), "cuda")
        with fast.cuda_fused(on):
            model.zero_grad()
            logits = model.forward(z)
            model.backward(logits * 0 + 1)
            opt.step()
        return [logits] + [model.params[k] for k in sorted(model.params)]
    for a, b in zip(iteration(True), iteration(False)):
        assert close(a, b, "float64")


def compile_kernels_for_the_cpu(tmp_path):
    """The kernels' bodies as C++ functions over float arrays (one call per element), built
    with g++ and floating-point contraction off, so each operation rounds as NumPy's does."""
    import ctypes
    import shutil
    if shutil.which("g++") is None:
        pytest.skip("no C++ compiler (g++) to build the kernel bodies for the CPU")
    lines = ["#include <cmath>", "using std::sqrt;"]
    for name, (inputs, outputs, body) in fused._SOURCES.items():
        params = [p.split() for p in inputs.split(",")] + [p.split() for p in outputs.split(",")]
        n_in = len(inputs.split(","))
        args = ", ".join(f"{'const ' if i < n_in else ''}{t}{'' if i < n_in else '&'} {n}"
                         for i, (t, n) in enumerate(params))
        lines.append(f"template <typename T> static void body_{name}({args}) {{ {body} }}")
        pointers = ", ".join(f"{'float' if t == 'T' else 'unsigned char'}* a_{n}" for t, n in params)
        copies = " ".join(f"{'float' if t == 'T' else 'bool'} {n} = a_{n}[i];" for t, n in params)
        back = " ".join(f"a_{n}[i] = {n};" for i_, (t, n) in enumerate(params) if i_ >= n_in)
        call = ", ".join(n for _, n in params)
        lines.append(f'extern "C" void {name}(long size, {pointers}) {{ for (long i = 0; i < size; ++i) '
                     f'{{ {copies} body_{name}<float>({call}); {back} }} }}')
    source, library = tmp_path / "kernels.cpp", tmp_path / "kernels.so"
    source.write_text("\n".join(lines) + "\n")
    subprocess.run(["g++", "-O1", "-ffp-contract=off", "-shared", "-fPIC", "-o", str(library), str(source)],
                   check=True, capture_output=True)
    lib = ctypes.CDLL(str(library))

    def call(name, *arrays):
        """Run kernel ``name`` over arrays broadcast to one shape (outputs last, updated in place)."""
        shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
        flat = [np.ascontiguousarray(np.broadcast_to(a, shape)).astype(
            np.uint8 if np.asarray(a).dtype == bool else np.float32).ravel() for a in arrays]
        getattr(lib, name)(ctypes.c_long(flat[0].size), *(f.ctypes.data_as(ctypes.c_void_p) for f in flat))
        return [f.reshape(shape) for f in flat]
    return call


def test_kernel_bodies_compiled_for_the_cpu_match_the_readable_path(tmp_path):
    """Without a GPU this is the check the kernels' arithmetic gets: the same C++ bodies, run
    on the CPU in float32, give the readable path's numbers bit for bit."""
    from minigan.nn.batchnorm import _input_grad, _scale_shift
    kernel = compile_kernels_for_the_cpu(tmp_path)
    rng = np.random.default_rng(0)
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)  # noqa: E731

    for weight_decay in (0.0, 0.1):                      # Adam: five steps of the readable update
        layer = BatchNorm1d(200)
        opt = optim.Adam(layer, lr=1e-2, betas=(0.5, 0.999), weight_decay=weight_decay)
        p = layer.params["weight"].copy()
        m, v = np.zeros_like(p), np.zeros_like(p)
        for t in range(1, 6):
            g = f32(200)
            layer.grads["weight"], layer.grads["bias"] = g, g.copy()
            with fast.disabled():
                opt.step()
            p, m, v = kernel("adam", g, 0.5, 1 - 0.5, 0.999, 1 - 0.999, 1e-2 / (1 - 0.5 ** t),
                             (1 - 0.999 ** t) ** 0.5, 1e-8, weight_decay, p, m, v)[-3:]
        np.testing.assert_array_equal(p, layer.params["weight"])
        np.testing.assert_array_equal(m, opt.state["weight"]["exp_avg"])
        np.testing.assert_array_equal(v, opt.state["weight"]["exp_avg_sq"])

    x = f32(7, 3, 4, 2)
    for make in (ReLU, lambda: LeakyReLU(0.2), lambda: LeakyReLU(1.5)):
        layer = make()
        with fast.disabled():
            y = layer.forward(x)
        if isinstance(layer, ReLU):
            mask, y_kernel = kernel("relu", x, np.zeros(x.shape, bool), np.zeros_like(x))[-2:]
            np.testing.assert_array_equal(mask.astype(bool), layer.positive)
        else:
            slope, y_kernel = kernel("leaky_relu", x, layer.negative_slope, np.zeros_like(x), np.zeros_like(x))[-2:]
            np.testing.assert_array_equal(slope, layer.slope)
        np.testing.assert_array_equal(y_kernel, y)

    centred, inv_std, weight, bias = f32(9, 4), np.abs(f32(4)) + 0.5, f32(4), f32(4)
    for w, b, name in ((weight, bias, "scale_shift"), (None, None, "scale")):
        xhat, y = centred.copy(), np.empty_like(centred)
        _scale_shift(xhat, inv_std, w, b, y)
        args = (inv_std,) if w is None else (inv_std, w, b)
        np.testing.assert_array_equal(kernel(name, *args, centred.copy(), np.zeros_like(centred))[-2:], [xhat, y])

    dy, xhat, mean_dy, mean_dy_xhat, scale = f32(9, 4), f32(9, 4), f32(4), f32(4), f32(4)
    dx = np.empty_like(dy)
    _input_grad(dy, xhat, mean_dy, mean_dy_xhat, scale, dx)
    np.testing.assert_array_equal(kernel("input_grad", dy, xhat, mean_dy, mean_dy_xhat, scale, dx * 0)[-1], dx)
