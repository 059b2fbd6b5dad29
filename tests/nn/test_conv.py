import numpy as np
from hypothesis import given

from minigan.nn import Conv2d
from minigan.nn.conv import conv_output_shape
from tests.layer_contract import assert_layer_contract
from tests.strategies import conv_configs, normal


def make(cfg):
    return Conv2d(cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"], cfg["stride"], cfg["padding"],
                  bias=cfg["bias"], rng=cfg["seed"])


@given(conv_configs())
def test_conv_contract(device, cfg):
    layer = make(cfg)
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]))
    assert_layer_contract(layer, x, device)


def direct_conv(x, w, b, stride, padding):
    """The textbook definition, one output pixel at a time."""
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    O, C, kh, kw = w.shape
    Ho, Wo = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    y = np.zeros((x.shape[0], O, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            patch = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            y[:, :, i, j] = np.einsum("nckl,ockl->no", patch, w)
    return y + (0 if b is None else b[None, :, None, None])


@given(conv_configs())
def test_conv_forward_matches_definition(cfg):
    layer = make(cfg).astype(np.float64)
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]))
    expected = direct_conv(x, layer.params["weight"], layer.params.get("bias"), layer.stride, layer.padding)
    y = layer.forward(x)
    assert y.shape == (cfg["batch"], cfg["out_channels"]) + conv_output_shape(layer, cfg["H"], cfg["W"])
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


def test_conv_dcgan_shapes():
    layer = Conv2d(1, 64, 4, 2, 1, rng=0)
    assert layer.params["weight"].shape == (64, 1, 4, 4)
    assert layer.forward(np.zeros((2, 1, 28, 28), np.float32)).shape == (2, 64, 14, 14)
