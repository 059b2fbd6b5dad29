import numpy as np
from hypothesis import given

from minigan.nn import Conv2d, ConvTranspose2d
from tests.layer_contract import assert_layer_contract
from tests.strategies import conv_transpose_configs, normal


def make(cfg):
    return ConvTranspose2d(cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"], cfg["stride"],
                           cfg["padding"], cfg["output_padding"], bias=cfg["bias"], rng=cfg["seed"])


@given(conv_transpose_configs())
def test_conv_transpose_contract(device, cfg):
    layer = make(cfg)
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]))
    assert_layer_contract(layer, x, device)


def direct_conv_transpose(x, w, b, stride, padding, output_padding):
    """The definition: every input pixel scatters its kernel-weighted patch onto the output."""
    (sh, sw), (ph, pw), (oph, opw) = stride, padding, output_padding
    N, C, H, W = x.shape
    _, O, kh, kw = w.shape
    full = np.zeros((N, O, (H - 1) * sh + kh + oph, (W - 1) * sw + kw + opw))
    for i in range(H):
        for j in range(W):
            full[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += np.einsum("nc,cokl->nokl", x[:, :, i, j], w)
    Ho, Wo = (H - 1) * sh - 2 * ph + kh + oph, (W - 1) * sw - 2 * pw + kw + opw
    y = full[:, :, ph:ph + Ho, pw:pw + Wo]
    return y + (0 if b is None else b[None, :, None, None])


@given(conv_transpose_configs())
def test_conv_transpose_forward_matches_definition(cfg):
    layer = make(cfg).astype(np.float64)
    x = normal(cfg["seed"], (cfg["batch"], cfg["in_channels"], cfg["H"], cfg["W"]))
    expected = direct_conv_transpose(x, layer.params["weight"], layer.params.get("bias"), layer.stride,
                                     layer.padding, layer.output_padding)
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12, atol=1e-12)


def test_conv_transpose_is_adjoint_of_conv(rng):
    """<conv(x), y> = <x, conv_transpose(y)> with the same weights and no bias."""
    conv = Conv2d(3, 5, 4, 2, 1, bias=False, rng=0).astype(np.float64)
    tconv = ConvTranspose2d(5, 3, 4, 2, 1, bias=False)
    tconv.params["weight"] = conv.params["weight"]          # (out, in) of conv = (in, out) of tconv
    x, y = rng.standard_normal((2, 3, 8, 8)), rng.standard_normal((2, 5, 4, 4))
    assert np.isclose((conv.forward(x) * y).sum(), (x * tconv.forward(y)).sum(), rtol=1e-12)


def test_conv_transpose_dcgan_shapes():
    layer = ConvTranspose2d(128, 64, 4, 2, 1, rng=0)
    assert layer.params["weight"].shape == (128, 64, 4, 4)
    assert layer.forward(np.zeros((2, 128, 7, 7), np.float32)).shape == (2, 64, 14, 14)
