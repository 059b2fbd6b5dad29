"""Fuzz the public surface: random shapes, dtypes and values into every layer, loss and
optimizer step. Each call computes a correct result or raises minigan's documented error
(LayerInputError from layers, ValueError from losses and optimizers): never a bare IndexError from deep inside
NumPy, and never a NaN out of finite input."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import nn, optim
from minigan.losses import LOSSES, get_loss
from minigan.nn.validation import LayerConfigError, LayerInputError

LAYER_ERRORS = (LayerInputError, LayerConfigError)      # NumPy's own ValueError does not count
DOCUMENTED = (LayerInputError, LayerConfigError, ValueError)

LAYERS = {
    "Dense": lambda: nn.Dense(3, 2, rng=0),
    "Conv2d": lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1, rng=0),
    "ConvTranspose2d": lambda: nn.ConvTranspose2d(2, 3, 4, stride=2, padding=1, rng=0),
    "BatchNorm1d": lambda: nn.BatchNorm1d(3),
    "BatchNorm2d": lambda: nn.BatchNorm2d(2),
    "ReLU": nn.ReLU, "LeakyReLU": lambda: nn.LeakyReLU(0.2), "Tanh": nn.Tanh, "Sigmoid": nn.Sigmoid,
    "Flatten": nn.Flatten, "Reshape": lambda: nn.Reshape(2, 3), "Dropout": lambda: nn.Dropout(0.5, rng=0),
    "Pack": lambda: nn.Pack(2),
    "MinibatchDiscrimination": lambda: nn.MinibatchDiscrimination(3, 2, 2, rng=0),
    "Sequential": lambda: nn.Sequential(nn.Conv2d(2, 3, 3, 2, 1, rng=0), nn.BatchNorm2d(3), nn.LeakyReLU(0.2),
                                        nn.Flatten(), nn.Dense(3 * 2 * 2, 1, rng=1)),
    "Upsample2d": lambda: nn.Upsample2d(2), "AvgPool2d": lambda: nn.AvgPool2d(2), "PixelNorm": nn.PixelNorm,
    "MinibatchStdDev": lambda: nn.MinibatchStdDev(2),
    "FadeIn": lambda: nn.FadeIn(nn.Sequential(nn.Conv2d(2, 1, 1, rng=0), nn.Upsample2d(2)),
                                nn.Sequential(nn.Upsample2d(2), nn.Conv2d(2, 1, 3, padding=1, rng=1, equalized_lr=True)),
                                alpha=0.3),
}

shapes = st.lists(st.integers(0, 4), min_size=0, max_size=5).map(tuple)
# Mostly float32, the layers' dtype, so that shapes and values get explored past the dtype check.
dtypes = st.sampled_from([np.float32] * 4 + [np.float64, np.int64, np.bool_, np.float16])
fills = st.sampled_from(["normal", "huge", "nan", "inf", "zero"])


def make_array(shape, dtype, fill, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if fill == "huge":
        x = x * 1e6
    elif fill == "zero":
        x = np.zeros(shape)
    elif fill in ("nan", "inf") and x.size:
        x.flat[rng.integers(x.size)] = np.nan if fill == "nan" else np.inf
    return x.astype(dtype)


@pytest.mark.parametrize("name", sorted(LAYERS))
@given(shape=shapes, dtype=dtypes, fill=fills, seed=st.integers(0, 2**16), training=st.booleans())
def test_layers_compute_or_raise_documented_errors(name, shape, dtype, fill, seed, training):
    layer = LAYERS[name]().train(training)
    x = make_array(shape, dtype, fill, seed)
    try:
        y = layer.forward(x)
    except LAYER_ERRORS:
        return
    assert y.dtype == x.dtype and y.shape == layer.output_shape(x.shape)
    if np.isfinite(x).all():        # 1e6 overflows float16 already in the input
        assert np.isfinite(y).all(), f"{name} turned finite input ({fill}) into non-finite output"
    dy = make_array(y.shape, x.dtype, "normal", seed + 1)
    dx = layer.backward(dy)
    assert dx.shape == x.shape and dx.dtype == x.dtype
    if fill in ("normal", "zero") and np.isfinite(x).all():
        assert np.isfinite(dx).all() and all(np.isfinite(g).all() for g in layer.grads.values())


@pytest.mark.parametrize("name", sorted(LOSSES))
@given(real_shape=shapes, fake_shape=shapes, dtype=dtypes, fill=fills, seed=st.integers(0, 2**16))
def test_losses_compute_or_raise_documented_errors(name, real_shape, fake_shape, dtype, fill, seed):
    loss = get_loss(name)
    real = make_array(real_shape, dtype, fill, seed)
    fake = make_array(fake_shape, dtype, "normal", seed + 1)
    try:
        value, (dreal, dfake) = loss.discriminator(real, fake)
        g_value, dg = loss.generator(real)
    except DOCUMENTED:
        return
    assert dreal.shape == real.shape and dfake.shape == fake.shape and dg.shape == real.shape
    assert np.isfinite(value) and np.isfinite(g_value) and np.isfinite(dreal).all() and np.isfinite(dg).all()


@given(st.sampled_from(["sgd", "adam", "rmsprop"]), dtypes, fills, st.integers(0, 2**16),
       st.sampled_from(["same", "wrong"]))
def test_optimizer_steps_update_finitely_or_raise(name, dtype, fill, seed, shape_kind):
    layer = nn.Dense(3, 2, rng=0)
    grad_shape = (2, 3) if shape_kind == "same" else (3, 2)
    layer.grads["weight"] = make_array(grad_shape, dtype, fill, seed)
    opt = optim.OPTIMIZERS[name](layer, lr=1e-2)
    before = layer.params["weight"].copy()
    try:
        opt.step()
    except DOCUMENTED:
        np.testing.assert_array_equal(layer.params["weight"], before)      # nothing half-updated
        return
    assert all(np.isfinite(p).all() for p in layer.params.values())
    assert layer.params["weight"].dtype == np.float32


def test_known_bad_cases_raise_the_documented_error():
    with pytest.raises(LayerInputError):
        nn.Dense(3, 2).forward(np.zeros((4, 3), np.int64))
    with pytest.raises(ValueError, match="non-finite"):
        get_loss("non-saturating").generator(np.array([[np.nan]]))
    layer = nn.Dense(3, 2)
    layer.grads["weight"] = np.full((2, 3), np.nan, np.float32)
    with pytest.raises(ValueError, match="'weight'.*non-finite"):
        optim.Adam(layer).step()


# --- generators of bad input, one per class of failure a user has met --------------------------

bad_numbers = st.sampled_from([float("nan"), float("inf"), -float("inf"), "0.1", None, True, [0.1]])


@given(st.sampled_from([("sgd", "lr"), ("sgd", "momentum"), ("sgd", "weight_decay"), ("adam", "lr"),
                        ("adam", "eps"), ("adam", "weight_decay"), ("rmsprop", "lr"), ("rmsprop", "alpha"),
                        ("rmsprop", "eps"), ("rmsprop", "momentum")]),
       st.one_of(bad_numbers, st.floats(-1e6, -1e-9)))
def test_optimizers_refuse_bad_hyper_parameters_when_built(rule_and_name, value):
    rule, name = rule_and_name
    with pytest.raises(ValueError, match=name):
        optim.OPTIMIZERS[rule](nn.Dense(2, 2, rng=0), **{name: value})


@given(st.one_of(bad_numbers, st.floats(1.0, 1e6), st.floats(-1e6, -1e-9)), st.integers(0, 1))
def test_adam_refuses_betas_outside_zero_one(value, which):
    betas = [0.5, 0.999]
    betas[which] = value
    with pytest.raises(ValueError, match="betas"):
        optim.Adam(nn.Dense(2, 2, rng=0), betas=tuple(betas))


@given(st.sampled_from(["batch_size", "d_steps", "z_dim", "seed", "replay_size"]),
       st.sampled_from([2.5, "64", None, True, float("nan"), -3]))
def test_gan_config_refuses_counts_that_are_not_integers(name, value):
    from minigan.gan import GANConfig
    if value == -3 and name == "seed":
        return                                            # any integer seeds a Generator
    with pytest.raises(ValueError, match=name):
        GANConfig(**{name: value})


@given(st.integers(1, 5), st.integers(1, 5), st.booleans())
def test_binary_cross_entropy_refuses_targets_it_would_broadcast(n, m, column):
    from minigan.losses import binary_cross_entropy_with_logits
    logits = np.zeros((n, 1), np.float32)
    target = np.ones((m, 1) if column else (m,), np.float32)
    if target.shape == logits.shape:
        assert binary_cross_entropy_with_logits(logits, target)[1].shape == logits.shape
    else:
        with pytest.raises(ValueError, match="do not match"):
            binary_cross_entropy_with_logits(logits, target)


@given(st.integers(1, 6), st.integers(2, 5), st.integers(-3, 8), st.sampled_from([np.int64, np.float32]))
def test_softmax_cross_entropy_refuses_labels_outside_the_classes(n, k, bad, dtype):
    from minigan.losses import softmax_cross_entropy
    labels = np.zeros(n, dtype)
    labels[-1] = bad
    if dtype == np.int64 and 0 <= bad < k:
        assert np.isfinite(softmax_cross_entropy(np.zeros((n, k), np.float32), labels)[0])
    else:
        with pytest.raises(ValueError, match="labels"):
            softmax_cross_entropy(np.zeros((n, k), np.float32), labels)


@given(st.sampled_from([np.float64, np.int64, np.float16]), st.integers(1, 3))
def test_gradients_keep_the_parameters_dtype_and_add_up(dy_dtype, calls):
    layer = nn.Dense(3, 2, rng=0)
    x = np.ones((4, 3), np.float32)
    for _ in range(calls):
        layer.forward(x)
        layer.backward(np.ones((4, 2), dy_dtype))
    assert layer.grads["weight"].dtype == np.float32
    np.testing.assert_allclose(layer.grads["weight"], np.full((2, 3), 4.0 * calls))
