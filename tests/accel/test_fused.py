"""The fused CUDA kernels (minigan/accel/fused.py) against the paths they replace, bit for bit:
every fast layer's output, input gradient, parameter gradients and running statistics, Adam's
steps, and a whole DCGAN iteration, with ``fused.ENABLED`` on and off.

On a GPU the kernels themselves run (tests marked "cuda"). Without one, their C++ bodies are
compiled for the CPU with g++ (contraction off, as the kernels' --fmad=false) and stand in for
CuPy's kernels behind the same hooks, so the layers, Adam and the wrappers' host-side constants
are checked all the same; only CuPy's compilation and launch are not."""
import ctypes
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from minigan import accel, optim
from minigan.accel import fused
from minigan.backend import cuda_available, to_device, to_numpy
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator
from minigan.nn import BatchNorm1d, BatchNorm2d, LeakyReLU, ReLU, Sequential


def cuda(test):
    """Marked "cuda" (benchmarks/gpu_check.sh selects them) and skipped without a GPU."""
    skip = pytest.mark.skipif(not cuda_available(), reason="CuPy with a working GPU is not available")
    return pytest.mark.cuda(skip(test))


def test_switch_is_off_unless_asked_for():
    """Off by default (the kernels have not run on a GPU yet); $MINIGAN_CUDA_FUSED=1 turns it on."""
    code = "from minigan.accel import fused; print(fused.ENABLED)"
    env = {k: v for k, v in os.environ.items() if k != "MINIGAN_CUDA_FUSED"}
    for value, expected in ((None, "False"), ("1", "True"), ("0", "False")):
        if value is not None:
            env["MINIGAN_CUDA_FUSED"] = value
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected


def test_numpy_data_never_takes_the_fused_path():
    before = fused.ENABLED
    with fused.enabled():
        assert not fused.active(np.zeros(3, np.float32))
        layer = accel.apply(LeakyReLU(0.2))
        x = np.array([-2.0, 3.0], np.float32)
        np.testing.assert_array_equal(layer.forward(x), np.array([-0.4, 3.0], np.float32))
    assert fused.ENABLED == before


# --- the layers and Adam, fused on against off --------------------------------------------------

def channels_last(x):
    """The same values stored (N, H, W, C), as the fast convolutions leave them (x: NumPy or CuPy)."""
    return x.transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2)


def layer_cases():
    """(name, make layer, input shape): every layer with a fused kernel, every mode."""
    cases = [("relu", ReLU, (5, 3, 4, 2)), ("leaky 0.2", lambda: LeakyReLU(0.2), (5, 3, 4, 2)),
             ("leaky 1.5", lambda: LeakyReLU(1.5), (5, 3, 4, 2))]
    for shape in ((8, 5), (4, 3, 5, 6)):
        for affine in (True, False):
            for training in (True, False):
                def make(shape=shape, affine=affine, training=training):
                    layer = (BatchNorm1d if len(shape) == 2 else BatchNorm2d)(shape[1], affine=affine)
                    if affine:
                        layer.params["weight"][...] = np.random.default_rng(2).uniform(0.5, 1.5, shape[1])
                        layer.params["bias"][...] = np.random.default_rng(3).uniform(-1, 1, shape[1])
                    layer.buffers["running_var"][...] = 1.7
                    return layer.train(training)
                cases.append((f"batchnorm {shape} affine={affine} training={training}", make, shape))
    return cases


def run_layer(make, x, dy, device, on):
    """Output, saved mask or slope, input gradient, parameter gradients and buffers (NumPy)."""
    layer = accel.apply(make().to(device))
    x, dy = to_device(x, device), to_device(dy, device)
    if x.ndim == 4:
        x, dy = channels_last(x), channels_last(dy)
    with fused.enabled(on):
        layer.zero_grad()
        y = layer.forward(x)
        saved = getattr(layer, "positive", getattr(layer, "slope", None))
        dx = layer.backward(dy)
    arrays = [y, dx] + ([] if saved is None else [saved]) + list(layer.grads.values()) + list(layer.buffers.values())
    return [(to_numpy(a), a.strides) for a in arrays]


def adam_steps(device, on, weight_decay):
    layer = BatchNorm1d(300).to(device)
    opt = accel.apply(optim.Adam(layer, lr=1e-2, betas=(0.5, 0.999), weight_decay=weight_decay))
    rng = np.random.default_rng(4)
    with fused.enabled(on):
        for _ in range(5):
            for name, p in layer.params.items():
                layer.grads[name] = to_device(rng.standard_normal(p.shape).astype(np.float32), device)
            opt.step()
    return [to_numpy(layer.params[k]) for k in sorted(layer.params)] + \
        [to_numpy(opt.state[k][key]) for k in sorted(opt.state) for key in sorted(opt.state[k])]


def assert_fused_equals_unfused(device, kernels_used):
    """Every case, fused on and off, on ``device``: the same numbers and memory layouts, and the
    kernels really ran (``kernels_used``: the names asked of fused._kernel)."""
    rng = np.random.default_rng(0)
    for name, make, shape in layer_cases():
        x = (rng.standard_normal(shape) * 2 + 0.5).astype(np.float32)
        x.flat[::7] = 0.0                                # the kink: x > 0 is false at 0
        dy = rng.standard_normal(shape).astype(np.float32)
        kernels_used.clear()
        on, off = run_layer(make, x, dy, device, True), run_layer(make, x, dy, device, False)
        assert kernels_used, f"{name}: no fused kernel ran"
        assert len(on) == len(off)
        for (a, a_strides), (b, b_strides) in zip(on, off):
            np.testing.assert_array_equal(a, b, err_msg=name)
            assert a_strides == b_strides, name
    for weight_decay in (0.0, 0.1):
        kernels_used.clear()
        on, off = adam_steps(device, True, weight_decay), adam_steps(device, False, weight_decay)
        assert kernels_used == {"adam"}
        for a, b in zip(on, off):
            np.testing.assert_array_equal(a, b)


@pytest.fixture
def kernels_used(monkeypatch):
    """The names of the kernels fused._kernel hands out during a test."""
    used, build = set(), fused._kernel

    def spy(name, x):
        used.add(name)
        return build(name, x)
    monkeypatch.setattr(fused, "_kernel", spy)
    return used


@cuda
def test_kernels_on_the_gpu_equal_the_unfused_path(kernels_used):
    assert_fused_equals_unfused("cuda", kernels_used)


@cuda
def test_dcgan_iteration_on_the_gpu():
    """G into D, forward and backward, then Adam on both, in float64: outputs, every gradient
    and the updated weights are the same."""
    def iteration(on):
        G, D = dcgan_generator(rng=0, dtype="float64"), dcgan_discriminator(rng=1, dtype="float64")
        model = Sequential(*G.layers, *D.layers).to("cuda")
        opt = optim.Adam(model, lr=2e-4, betas=(0.5, 0.999))
        accel.apply(model, opt)
        z = to_device(np.random.default_rng(2).standard_normal((6, 100)), "cuda")
        with fused.enabled(on):
            model.zero_grad()
            logits = model.forward(z)
            model.backward(logits * 0 + 1)
            grads = [model.grads[k].copy() for k in sorted(model.grads)]
            opt.step()
        return [logits] + grads + [model.params[k] for k in sorted(model.params)]
    for a, b in zip(iteration(True), iteration(False)):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


# --- without a GPU: the kernels' bodies compiled for the CPU ----------------------------------

def cpu_kernels(tmp_path):
    """name -> a callable like CuPy's ElementwiseKernel (inputs, then outputs written in place)
    running the kernel's body in float32 with g++, one call per element after broadcasting."""
    if shutil.which("g++") is None:
        pytest.skip("no C++ compiler (g++) to build the kernel bodies for the CPU")
    lines = ["#include <cmath>", "using std::sqrt;"]
    for name, (inputs, outputs, body) in fused._SOURCES.items():
        params = [p.split() for p in inputs.split(",")] + [p.split() for p in outputs.split(",")]
        n_in = len(inputs.split(","))
        declared = ", ".join(f"const T {n}" if i < n_in else f"{t}& {n}" for i, (t, n) in enumerate(params))
        lines.append(f"template <typename T> static void body_{name}({declared}) {{ {body} }}")
        pointers = ", ".join(f"{'float' if t == 'T' else 'unsigned char'}* a_{n}" for t, n in params)
        load = " ".join(f"{'float' if t == 'T' else 'bool'} {n} = a_{n}[i];" for t, n in params)
        store = " ".join(f"a_{n}[i] = {n};" for t, n in params[n_in:])
        arguments = ", ".join(n for _, n in params)
        lines.append(f'extern "C" void {name}(long size, {pointers}) {{ for (long i = 0; i < size; ++i) '
                     f'{{ {load} body_{name}<float>({arguments}); {store} }} }}')
    source, library = tmp_path / "kernels.cpp", tmp_path / "kernels.so"
    source.write_text("\n".join(lines) + "\n")
    subprocess.run(["g++", "-O1", "-ffp-contract=off", "-shared", "-fPIC", "-o", str(library), str(source)],
                   check=True, capture_output=True)
    compiled = ctypes.CDLL(str(library))

    def kernel(name):
        n_out = len(fused._SOURCES[name][1].split(","))

        def launch(*args):
            shape = np.broadcast_shapes(*(np.shape(a) for a in args))
            flat = [np.ascontiguousarray(np.broadcast_to(np.asarray(a).astype(
                np.uint8 if np.asarray(a).dtype == bool else np.float32), shape)).ravel() for a in args]
            getattr(compiled, name)(ctypes.c_long(flat[0].size), *(f.ctypes.data_as(ctypes.c_void_p) for f in flat))
            for out, values in zip(args[-n_out:], flat[-n_out:]):
                out[...] = values.reshape(shape)
        return launch
    return kernel


def test_kernel_bodies_compiled_for_the_cpu_equal_the_unfused_path(tmp_path, monkeypatch, kernels_used):
    """Every hook (ReLU, LeakyReLU, batch norm's scale-shift and input gradient, Adam) with the
    g++-built bodies standing in for CuPy's kernels on NumPy data: bit for bit the unfused path."""
    kernel = cpu_kernels(tmp_path)

    def on_the_cpu(name, x):
        kernels_used.add(name)
        return kernel(name)
    monkeypatch.setattr(fused, "_kernel", on_the_cpu)
    monkeypatch.setattr(fused, "active", lambda x: fused.ENABLED)
    assert_fused_equals_unfused("cpu", kernels_used)
