"""Every fast twin of minigan.accel against the readable class it stands in for: the same
outputs, input gradients, parameter gradients, running statistics and optimizer steps, in
float64 to 1e-12 and in float32 to float32 rounding, for channels-first and channels-last
inputs. The twins also pass the layer contract (gradient checks) themselves."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import accel, optim
from minigan.accel import optim as accel_optim, parallel
from minigan.nn import BatchNorm1d, BatchNorm2d, Conv2d, ConvTranspose2d, Dense, LeakyReLU, ReLU, Sequential
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator
from tests.layer_contract import assert_layer_contract
from tests.strategies import batchnorm_configs, conv_configs, conv_transpose_configs, normal
from tests.nn.test_batchnorm import make as make_batchnorm
from tests.nn.test_conv import make as make_conv
from tests.nn.test_conv_transpose import make as make_conv_transpose

TOL = {np.float64: 1e-12, np.float32: 2e-5}


def channels_last(x):
    """The same values, stored (N, H, W, C): the layout the fast convolutions produce."""
    return np.ascontiguousarray(np.moveaxis(x, 1, -1)).transpose(0, 3, 1, 2) if x.ndim == 4 else x


def close(a, b, dtype, floor=0.0):
    """|a - b| <= tol * max(|b|, floor): ``floor`` is the size of terms that cancel in b."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape
    scale = max(np.abs(b).max(initial=0), floor, 1e-30)
    return np.abs(a - b).max(initial=0) <= TOL[dtype] * scale


def run(layer, x, dy, requires_grad=True, needs_input_grad=True):
    layer.zero_grad()
    layer.requires_grad, layer.needs_input_grad = requires_grad, needs_input_grad
    y = np.array(layer.forward(x))
    dx = layer.backward(dy)
    return y, (None if dx is None else np.array(dx)), {k: v.copy() for k, v in layer.grads.items()}, \
        {k: v.copy() for k, v in layer.buffers.items()}


def assert_fast_equals_readable(make_layer, x, dtype, gain=0.0, **switches):
    """``gain``: a bound on |dx| / |dy| before cancellation (batch norm's dx subtracts terms of
    size |dy| weight / std that nearly cancel when a channel has two values)."""
    x = x.astype(dtype)
    dy = normal(1, make_layer().astype(dtype).forward(x).shape).astype(dtype)
    expected = run(make_layer().astype(dtype), x, dy, **switches)
    for x_in, dy_in in ((x, dy), (channels_last(x), channels_last(dy))):
        fast = accel.apply(make_layer().astype(dtype))
        assert accel.is_applied(fast)
        got = run(fast, x_in, dy_in, **switches)
        assert close(got[0], expected[0], dtype), "output"
        assert (got[1] is None) == (expected[1] is None)
        if got[1] is not None:
            assert close(got[1], expected[1], dtype, gain * np.abs(dy).max()), "input gradient"
        for store_got, store_expected in ((got[2], expected[2]), (got[3], expected[3])):
            assert store_got.keys() == store_expected.keys()
            for k in store_got:
                assert close(store_got[k], store_expected[k], dtype), k


dtypes = st.sampled_from([np.float64, np.float32])
switches = st.sampled_from([dict(), dict(requires_grad=False), dict(needs_input_grad=False)])


@given(conv_configs(), dtypes, switches)
def test_conv_fast_equals_readable(cfg, dtype, sw):
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]))
    assert_fast_equals_readable(lambda: make_conv(cfg), x, dtype, **sw)


@given(conv_transpose_configs(), dtypes, switches)
def test_conv_transpose_fast_equals_readable(cfg, dtype, sw):
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]))
    assert_fast_equals_readable(lambda: make_conv_transpose(cfg), x, dtype, **sw)


@given(st.sampled_from([2, 3, 4]).flatmap(batchnorm_configs), dtypes, switches)
def test_batchnorm_fast_equals_readable(cfg, dtype, sw):
    x = normal(cfg["seed"], cfg["shape"]) * 2 + 0.5
    layer = make_batchnorm(cfg)
    var = np.moveaxis(x, 1, -1).reshape(-1, x.shape[1]).var(axis=0) if cfg["training"] else layer.buffers["running_var"]
    gain = (layer.params["weight"] / np.sqrt(var + cfg["eps"])).max()
    assert_fast_equals_readable(lambda: make_batchnorm(cfg), x, dtype, gain=gain, **sw)


def test_batchnorm_without_affine_fast_equals_readable():
    x = normal(3, (4, 3, 5, 2))
    assert_fast_equals_readable(lambda: BatchNorm2d(3, affine=False), x, np.float64)
    assert_fast_equals_readable(lambda: BatchNorm1d(3, affine=False), x[:, :, 0, 0], np.float64)


@given(conv_configs())
def test_fast_conv_keeps_the_contract(cfg):
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]))
    assert_layer_contract(accel.apply(make_conv(cfg)), x)


@given(conv_transpose_configs())
def test_fast_conv_transpose_keeps_the_contract(cfg):
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]))
    assert_layer_contract(accel.apply(make_conv_transpose(cfg)), x)


@given(st.sampled_from([2, 3, 4]).flatmap(batchnorm_configs))
def test_fast_batchnorm_keeps_the_contract(cfg):
    assert_layer_contract(accel.apply(make_batchnorm(cfg)), normal(cfg["seed"], cfg["shape"]) * 2 + 0.5)


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
@pytest.mark.parametrize("chunk", [7, 1 << 16])
@pytest.mark.parametrize("threads", [1, 3])
def test_adam_in_place_equals_readable(weight_decay, chunk, threads, monkeypatch):
    """Bit for bit: the in-place update does the same roundings in the same order, whole
    arrays or in pieces (7 elements: pieces that straddle parameter rows and end short),
    on one thread or shared out among three."""
    monkeypatch.setattr(accel_optim, "CHUNK", chunk)

    def steps(fast):
        layer = Conv2d(2, 3, 3, rng=0)
        layer.params["weight"] = np.asfortranarray(layer.params["weight"])   # not C-contiguous
        layer.zero_grad()
        opt = optim.Adam(layer, lr=1e-2, betas=(0.5, 0.999), weight_decay=weight_decay)
        if fast:
            accel.apply(opt)
        rng = np.random.default_rng(1)
        for _ in range(4):
            for name, p in layer.params.items():
                layer.grads[name][...] = rng.standard_normal(p.shape)
            opt.step()
        return layer.params, opt.state_dict()["state"]
    expected = steps(fast=False)
    with parallel.configured(threads=threads, min_elements=1):
        got = steps(fast=True)
    for k in expected[0]:
        np.testing.assert_array_equal(got[0][k], expected[0][k])
        for key in expected[1][k]:
            np.testing.assert_array_equal(got[1][k][key], expected[1][k][key])


@pytest.mark.parametrize("outputs", [1, 3])
def test_dense_fast_equals_readable_bit_for_bit(outputs):
    rng = np.random.default_rng(0)
    x, dy = rng.standard_normal((16, 50)).astype(np.float32), rng.standard_normal((16, outputs)).astype(np.float32)
    results = []
    for fast in (False, True):
        layer = Dense(50, outputs, rng=1)
        if fast:
            accel.apply(layer)
        layer.forward(x)
        results.append((layer.backward(dy), layer.grads["weight"].copy(), layer.grads["bias"].copy()))
    for got, expected in zip(results[1], results[0]):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("make", [lambda: LeakyReLU(0.2), lambda: LeakyReLU(1.5), lambda: ReLU()])
def test_activations_fast_equal_readable_bit_for_bit(make):
    rng = np.random.default_rng(0)
    x = channels_last(rng.standard_normal((5, 3, 4, 2)).astype(np.float32))
    dy = rng.standard_normal(x.shape).astype(np.float32)
    results = []
    for fast in (False, True):
        with parallel.configured(threads=3, min_elements=1):
            layer = accel.apply(make()) if fast else make()
            results.append((layer.forward(x), layer.backward(dy), layer.backward_backward(dy)[0]))
    for got, expected in zip(results[1], results[0]):
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


def test_leaky_relu_slope_is_exact():
    x = np.array([-3.0, -1e-30, 0.0, 1e-30, 2.0], dtype=np.float32)
    for a in (0.0, 0.01, 0.2, 0.3, 1.5):
        layer = LeakyReLU(a)
        np.testing.assert_array_equal(layer.forward(x), np.where(x > 0, x, x * np.float32(a)))
        np.testing.assert_array_equal(layer.backward(np.ones_like(x)), np.where(x > 0, 1, np.float32(a)))


@given(st.floats(0, 1), st.sampled_from([np.float32, np.float64]))
def test_leaky_relu_fast_slope_is_exactly_one_or_a(a, dtype):
    """The fast path builds the slope as mask (1 - a) + a, not max(mask, a): still exactly 1 or a."""
    x = np.array([-2.0, -0.0, 0.0, 1e-30, 3.0], dtype=dtype)
    with parallel.configured(threads=1):
        layer = accel.apply(LeakyReLU(a))
        y = layer.forward(x)
    np.testing.assert_array_equal(layer.slope, np.where(x > 0, 1, dtype(a)).astype(dtype))
    np.testing.assert_array_equal(y, np.where(x > 0, x, x * dtype(a)))


def test_dcgan_iteration_fast_equals_readable():
    """A whole DCGAN forward and backward (G into D) in float64: every gradient agrees."""
    def grads(fast):
        G, D = dcgan_generator(rng=0, dtype="float64"), dcgan_discriminator(rng=1, dtype="float64")
        model = Sequential(*G.layers, *D.layers)
        if fast:
            accel.apply(model)
        z = normal(2, (6, 100))
        model.zero_grad()
        logits = model.forward(z)
        dz = model.backward(np.ones_like(logits))
        return logits, dz, {k: v.copy() for k, v in model.grads.items()}
    expected = grads(fast=False)
    got = grads(fast=True)
    assert close(got[0], expected[0], np.float64) and close(got[1], expected[1], np.float64)
    for k in expected[2]:
        assert close(got[2][k], expected[2][k], np.float64), k


def test_fast_dcgan_runs_on_a_device_without_reading_back():
    """On a stand-in for CuPy (tests/fake_device.py): every twin keeps its arrays on the device,
    reads nothing back to the host, and gives the CPU's numbers."""
    from minigan.backend import device_of, to_device, to_numpy
    from tests.fake_device import fake_cuda

    def step(device, cupy=None):
        G, D = dcgan_generator(rng=0, dtype="float64"), dcgan_discriminator(rng=1, dtype="float64")
        model = accel.apply(Sequential(*G.layers, *D.layers)).to(device)
        opt = accel.apply(optim.Adam(model, lr=2e-4, betas=(0.5, 0.999)))
        model.zero_grad()
        logits = model.forward(to_device(normal(2, (4, 100)), device))
        dz = model.backward(logits * 0 + 1)
        opt.step()
        if cupy is not None:
            assert cupy.host_reads == 1            # the optimizer's one finiteness check of all gradients
        assert all(device_of(a) == device for a in [logits, dz, *model.params.values(), *model.grads.values()])
        return [to_numpy(a) for a in (logits, dz, *model.params.values())]
    expected = step("cpu")
    with fake_cuda() as cupy:
        got = step("cuda", cupy)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
