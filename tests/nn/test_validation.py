"""Bad input reaches a clear LayerInputError naming the layer, before any computation."""
import numpy as np
import pytest

from minigan import nn
from minigan.nn.validation import LayerConfigError, LayerInputError, set_debug
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator

f32 = np.float32


def dcgan_d():
    return dcgan_discriminator(rng=0)


@pytest.mark.parametrize("x,match", [
    (np.zeros((8, 3, 28, 28), f32), r"layer \[0\] Conv2d\(1, 64.*expected 1 input channels.*\(8, 3, 28, 28\)"),
    (np.zeros((8, 28, 28), f32), r"layer Sequential: expected a 4-dimensional input, got shape \(8, 28, 28\)"
                                 r"|layer \[0\] Conv2d.*4-dimensional"),
    (np.zeros((8, 1, 32, 32), f32), r"layer \[6\] Dense\(6272, 1.*expected 6272 input features.*\(8, 8192\)"),
    (np.zeros((8, 1, 28, 28), np.int64), r"floating-point input.*int64"),
    (np.zeros((8, 1, 28, 28), np.float64), r"dtype float64 differs from parameter '0.weight' dtype float32"),
    (np.zeros((0, 1, 28, 28), f32), r"empty batch"),
    ([[1.0]], r"expected an array"),
])
def test_dcgan_discriminator_names_the_failing_layer(x, match):
    with pytest.raises(LayerInputError, match=match):
        dcgan_d().forward(x)


def test_error_comes_before_any_computation():
    D = dcgan_d()
    calls = []
    original = D[0].forward
    D[0].forward = lambda x: (calls.append(1), original(x))[1]
    with pytest.raises(LayerInputError, match=r"\[6\] Dense"):
        D.forward(np.zeros((2, 1, 32, 32), f32))
    assert calls == [], "the first layer computed before the shape error was found"


def test_nested_positions_and_generator_reshape():
    G = dcgan_generator(z_dim=10, rng=0)
    with pytest.raises(LayerInputError, match=r"layer \[0\] Dense\(10, 6272.*expected 10 input features"):
        G.forward(np.zeros((4, 100), f32))
    model = nn.Sequential(nn.Sequential(nn.Dense(4, 6), nn.Reshape(2, 4)))
    with pytest.raises(LayerInputError, match=r"layer \[0\]\[1\] Reshape\(2, 4\): cannot reshape .*6 values"):
        model.forward(np.zeros((3, 4), f32))


@pytest.mark.parametrize("layer,x,match", [
    (nn.Conv2d(1, 2, 5), np.zeros((1, 1, 3, 3), f32), r"kernel 5x5 is larger than the padded input 3x3"),
    (nn.ConvTranspose2d(2, 1, 1, padding=2), np.zeros((1, 2, 2, 2), f32), r"empty -2x-2 output"),
    (nn.BatchNorm1d(3), np.zeros((1, 3), f32), r"more than one value per channel"),
    (nn.BatchNorm2d(3), np.zeros((2, 4, 2, 2), f32), r"expected 3 channels"),
    (nn.BatchNorm1d(3), np.zeros((2, 3, 2, 2), f32), r"2 or 3-dimensional"),
    (nn.MinibatchDiscrimination(4, 2, 2), np.zeros((2, 5), f32), r"expected 4 input features"),
    (nn.Dense(3, 2), np.zeros((2, 3), np.float16).astype(np.int32), r"int32"),
])
def test_layer_specific_shape_errors(layer, x, match):
    with pytest.raises(LayerInputError, match=match):
        layer.forward(x)


def test_backward_checks_dy_and_order():
    layer = nn.Dense(3, 2)
    with pytest.raises(LayerInputError, match="backward called before forward"):
        nn.Dense(3, 2).backward(np.zeros((4, 2), f32))
    layer.forward(np.zeros((4, 3), f32))
    with pytest.raises(LayerInputError, match=r"upstream gradient of the output's shape \(4, 2\), got \(4, 3\)"):
        layer.backward(np.zeros((4, 3), f32))
    D = dcgan_d()
    D.forward(np.zeros((2, 1, 28, 28), f32))
    with pytest.raises(LayerInputError, match=r"layer Sequential: expected an upstream gradient.*\(2, 1\)"):
        D.backward(np.zeros((2, 2), f32))


@pytest.mark.parametrize("build,match", [
    (lambda: nn.Dense(0, 3), "in_features must be a positive integer"),
    (lambda: nn.Conv2d(1, 2, 3, stride=0), "stride must be an integer >= 1"),
    (lambda: nn.Conv2d(1, 2, 0), "kernel_size must be"),
    (lambda: nn.Conv2d(1, -2, 3), "out_channels"),
    (lambda: nn.Conv2d(1, 2, 3, padding=-1), "padding must be an integer >= 0"),
    (lambda: nn.ConvTranspose2d(1, 2, 4, stride=2, output_padding=2), "output_padding must be >= 0 and smaller"),
    (lambda: nn.BatchNorm2d(0), "num_features"),
    (lambda: nn.BatchNorm1d(3, eps=0), "eps must be positive"),
    (lambda: nn.BatchNorm1d(3, momentum=1.5), "momentum"),
    (lambda: nn.Dropout(1.5), "p must be in"),
    (lambda: nn.LeakyReLU(float("nan")), "finite"),
    (lambda: nn.Reshape(3, 0), "target shape"),
    (lambda: nn.MinibatchDiscrimination(4, 0, 2), "num_kernels"),
])
def test_bad_constructor_arguments_are_rejected_at_construction(build, match):
    with pytest.raises(LayerConfigError, match=match):
        build()


def test_debug_mode_names_the_layer_that_sees_nan_or_overflow():
    D = nn.Sequential(nn.Dense(2, 3, rng=0), nn.Tanh())
    x = np.array([[np.nan, 1.0]], f32)
    assert np.isnan(D.forward(x)).any()                       # default: NaN flows, like NumPy
    big = np.full((1, 2), 1e30, f32)
    D[0].params["weight"][...] = 1e10                          # 1e30 * 1e10 overflows float32
    assert np.isfinite(D.forward(np.ones((1, 2), f32))).all()
    set_debug(True)
    try:
        with pytest.raises(LayerInputError, match=r"layer Sequential: input holds 1 non-finite values"):
            D.forward(x)
        with pytest.raises(LayerInputError, match=r"layer \[0\] Dense.*output holds 3 non-finite.*overflow"):
            D.forward(big)
        D.forward(np.ones((1, 2), f32))
    finally:
        set_debug(False)
