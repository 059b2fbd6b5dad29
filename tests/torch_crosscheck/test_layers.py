"""minigan.nn layers against torch.nn in float64: outputs, input gradients, every parameter
gradient and the batch-norm running statistics agree to relative error < 1e-10
(``rel_error`` in tests/torch_helpers.py: max|a - b| / max|b|, with a floor where both sides
cancel terms), weights copied by name minigan -> torch, and torch -> minigan in
``test_weights_copy_from_torch``."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import nn
from tests.strategies import (away_from_zero, batchnorm_configs, conv_configs, conv_transpose_configs,
                              dense_configs, elementwise_shapes, negative_slopes, seeds)

torch = pytest.importorskip("torch")
from tests.torch_helpers import (assert_close, copy_from_torch, copy_to_torch, crosscheck,  # noqa: E402
                                 randomize, randomize_torch)

pytestmark = pytest.mark.torch
F64 = "float64"
image_shapes = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4))


def check(layer, module, x_shape, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    assert_close(crosscheck(layer, module, rng.standard_normal(x_shape) * scale, rng))


def batchnorm_dx_gain(layer, x):
    """max |gamma| / sqrt(var + eps): the size of each term of batch norm's training-mode dx per unit dy."""
    axes = (0,) + tuple(range(2, x.ndim))
    gamma = np.abs(layer.params["weight"]).max() if "weight" in layer.params else 1.0
    return gamma / np.sqrt(x.var(axis=axes).min() + layer.eps)


@given(dense_configs())
def test_dense(cfg):
    shape = (cfg["in_features"], cfg["out_features"])
    layer = nn.Dense(*shape, bias=cfg["bias"], rng=cfg["seed"], dtype=F64)
    module = torch.nn.Linear(*shape, bias=cfg["bias"]).double()
    copy_to_torch(layer, module)
    check(layer, module, (cfg["batch"], cfg["in_features"]), cfg["seed"])


@given(conv_configs())
def test_conv2d(cfg):
    args = (cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"])
    kwargs = dict(stride=cfg["stride"], padding=cfg["padding"], bias=cfg["bias"])
    layer = nn.Conv2d(*args, **kwargs, rng=cfg["seed"], dtype=F64)
    module = torch.nn.Conv2d(*args, **kwargs).double()
    copy_to_torch(layer, module)
    check(layer, module, (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]), cfg["seed"])


@given(conv_transpose_configs())
def test_conv_transpose2d(cfg):
    args = (cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"])
    kwargs = dict(stride=cfg["stride"], padding=cfg["padding"], output_padding=cfg["output_padding"],
                  bias=cfg["bias"])
    layer = nn.ConvTranspose2d(*args, **kwargs, rng=cfg["seed"], dtype=F64)
    module = torch.nn.ConvTranspose2d(*args, **kwargs).double()
    copy_to_torch(layer, module)
    check(layer, module, (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]), cfg["seed"])


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("ndim", [2, 3, 4])
@given(data=st.data())
def test_batchnorm(ndim, training, data):
    """Eval uses non-trivial running statistics; train also compares the updated ones."""
    cfg = data.draw(batchnorm_configs(ndim))
    affine = data.draw(st.booleans(), label="affine")
    ours, theirs = (nn.BatchNorm2d, torch.nn.BatchNorm2d) if ndim == 4 else (nn.BatchNorm1d, torch.nn.BatchNorm1d)
    kwargs = dict(eps=cfg["eps"], momentum=cfg["momentum"], affine=affine)
    layer = randomize(ours(cfg["shape"][1], **kwargs, dtype=F64), cfg["seed"])
    module = theirs(cfg["shape"][1], **kwargs).double()
    copy_to_torch(layer, module)
    layer.train(training)
    module.train(training)
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal(cfg["shape"]) * 3
    gain = batchnorm_dx_gain(layer, x) if training else 0.0
    assert_close(crosscheck(layer, module, x, rng, dx_gain=gain))


# name -> (minigan, torch, dx_gain = the largest derivative, for the saturated tails)
ACTIVATIONS = {"relu": (nn.ReLU, torch.nn.ReLU, 0.0), "tanh": (nn.Tanh, torch.nn.Tanh, 1.0),
               "sigmoid": (nn.Sigmoid, torch.nn.Sigmoid, 0.25)}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@given(shape=elementwise_shapes, seed=seeds, scale=st.sampled_from([1.0, 10.0]))
def test_activation(name, shape, seed, scale):
    """Inputs kept off 0 (ReLU's kink); scale 10 reaches the saturated tails (|x| up to ~40)."""
    ours, theirs, gain = ACTIVATIONS[name]
    rng = np.random.default_rng(seed)
    assert_close(crosscheck(ours(), theirs(), away_from_zero(seed, shape) * scale, rng, dx_gain=gain))


@given(shape=elementwise_shapes, seed=seeds, slope=negative_slopes)
def test_leaky_relu(shape, seed, slope):
    rng = np.random.default_rng(seed)
    x = away_from_zero(seed, shape)
    assert_close(crosscheck(nn.LeakyReLU(slope), torch.nn.LeakyReLU(slope), x, rng))


@given(shape=image_shapes, seed=seeds)
def test_flatten(shape, seed):
    check(nn.Flatten(), torch.nn.Flatten(), shape, seed)


@given(shape=image_shapes, seed=seeds)
def test_reshape(shape, seed):
    N, *image = shape
    check(nn.Reshape(*image), torch.nn.Unflatten(1, image), (N, int(np.prod(image))), seed)


DROPOUT_PS = [0.0, 0.2, 0.5, 0.8, 1.0]


@pytest.mark.parametrize("p", DROPOUT_PS)
@given(shape=elementwise_shapes, seed=seeds)
def test_dropout_eval_is_identity(p, shape, seed):
    check(nn.Dropout(p, rng=seed).eval(), torch.nn.Dropout(p).eval(), shape, seed)


@pytest.mark.parametrize("p", DROPOUT_PS)
@given(seed=seeds)
def test_dropout_train(p, seed):
    """The masks differ (different generators), so: minigan's output and gradient are exactly
    x * mask and dy * mask for its own mask; kept entries are scaled by 1/(1-p) as torch scales
    them; both keep a fraction 1-p within 6 standard errors."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1.0, 2.0, (100, 200))                 # positive: y / x recovers torch's mask
    dy = rng.standard_normal(x.shape)
    layer = nn.Dropout(p, rng=seed)
    y = layer.forward(x)
    dx = layer.backward(dy)
    mask = np.ones_like(x) if layer.mask is None else layer.mask
    np.testing.assert_array_equal(y, x * mask)
    np.testing.assert_array_equal(dx, dy * mask)

    torch.manual_seed(seed)
    torch_mask = (torch.nn.Dropout(p)(torch.from_numpy(x)) / torch.from_numpy(x)).numpy()
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    for m in (mask, torch_mask):
        kept = m != 0
        np.testing.assert_allclose(m[kept], scale, rtol=1e-12)
        assert abs(kept.mean() - (1 - p)) <= 6 * np.sqrt(p * (1 - p) / x.size)
    if 0 < p < 1:
        assert not np.array_equal(mask, layer.forward(x) / x), "a fresh mask at every forward"


def dcgan_discriminator(rng):
    """(N, 1, 8, 8) -> (N, 1): two strided convolutions, batch norm, leaky ReLU, a dense head."""
    layer = nn.Sequential(nn.Conv2d(1, 4, 4, 2, 1, rng=rng, dtype=F64), nn.LeakyReLU(0.2),
                          nn.Conv2d(4, 8, 4, 2, 1, bias=False, rng=rng, dtype=F64), nn.BatchNorm2d(8, dtype=F64),
                          nn.LeakyReLU(0.2), nn.Flatten(), nn.Dense(8 * 2 * 2, 1, rng=rng, dtype=F64))
    module = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 4, 2, 1), torch.nn.LeakyReLU(0.2),
                                 torch.nn.Conv2d(4, 8, 4, 2, 1, bias=False), torch.nn.BatchNorm2d(8),
                                 torch.nn.LeakyReLU(0.2), torch.nn.Flatten(), torch.nn.Linear(8 * 2 * 2, 1))
    return layer, module.double(), (1, 8, 8)


def dcgan_generator(rng):
    """(N, 3) -> (N, 1, 8, 8): dense, reshape, batch norm, ReLU, two transposed convolutions, tanh."""
    layer = nn.Sequential(nn.Dense(3, 8 * 2 * 2, rng=rng, dtype=F64), nn.Reshape(8, 2, 2),
                          nn.BatchNorm2d(8, dtype=F64), nn.ReLU(),
                          nn.ConvTranspose2d(8, 4, 4, 2, 1, bias=False, rng=rng, dtype=F64),
                          nn.BatchNorm2d(4, dtype=F64), nn.ReLU(),
                          nn.ConvTranspose2d(4, 1, 4, 2, 1, rng=rng, dtype=F64), nn.Tanh())
    module = torch.nn.Sequential(torch.nn.Linear(3, 8 * 2 * 2), torch.nn.Unflatten(1, (8, 2, 2)),
                                 torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                                 torch.nn.ConvTranspose2d(8, 4, 4, 2, 1, bias=False),
                                 torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                                 torch.nn.ConvTranspose2d(4, 1, 4, 2, 1), torch.nn.Tanh())
    return layer, module.double(), (3,)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("build", [dcgan_discriminator, dcgan_generator], ids=["discriminator", "generator"])
@given(seed=seeds, batch=st.integers(2, 4))
def test_sequential(build, training, seed, batch):
    layer, module, sample_shape = build(seed)
    copy_to_torch(randomize(layer, seed), module)
    layer.train(training)
    module.train(training)
    check(layer, module, (batch, *sample_shape), seed)


PAIRS = {
    "dense": lambda: (nn.Dense(5, 3, dtype=F64), torch.nn.Linear(5, 3).double(), (5,)),
    "conv2d": lambda: (nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 0), dtype=F64),
                       torch.nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 0)).double(), (2, 5, 4)),
    "conv_transpose2d": lambda: (nn.ConvTranspose2d(3, 2, (4, 3), stride=2, padding=1, output_padding=(1, 0),
                                                    dtype=F64),
                                 torch.nn.ConvTranspose2d(3, 2, (4, 3), stride=2, padding=1,
                                                          output_padding=(1, 0)).double(), (3, 3, 2)),
    "batchnorm1d": lambda: (nn.BatchNorm1d(3, dtype=F64), torch.nn.BatchNorm1d(3).double(), (3, 4)),
    "batchnorm2d": lambda: (nn.BatchNorm2d(3, dtype=F64), torch.nn.BatchNorm2d(3).double(), (3, 2, 3)),
    "discriminator": lambda: dcgan_discriminator(0),
    "generator": lambda: dcgan_generator(0),
}


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_weights_copy_from_torch(name, training):
    """torch's weights, set into minigan with layer.params[name] = tensor.numpy(), give torch's results."""
    layer, module, sample_shape = PAIRS[name]()
    randomize_torch(module, seed=1)
    copy_from_torch(module, layer)
    layer.train(training)
    module.train(training)
    check(layer, module, (4, *sample_shape), seed=2)
