import numpy as np
import pytest
from hypothesis import given

from minigan.backend import to_device, to_numpy
from minigan.gradcheck import check_double_backward
from minigan.nn import AvgPool2d, Upsample2d
from minigan.nn.validation import LayerConfigError, LayerInputError
from tests.layer_contract import assert_layer_contract
from tests.strategies import avgpool_configs, normal


def make(cfg):
    return AvgPool2d(cfg["kernel_size"], cfg["stride"])


@given(avgpool_configs())
def test_avgpool_contract(device, cfg):
    assert_layer_contract(make(cfg), normal(cfg["seed"], cfg["shape"]), device)


def direct_avgpool(x, kernel, stride):
    """The textbook definition, one window at a time."""
    (kh, kw), (sh, sw) = kernel, stride
    Ho, Wo = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    y = np.zeros(x.shape[:2] + (Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            y[:, :, i, j] = x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].mean(axis=(2, 3))
    return y


@given(avgpool_configs())
def test_forward_matches_definition(device, cfg):
    layer = make(cfg)
    x = normal(cfg["seed"], cfg["shape"])
    y = to_numpy(layer.forward(to_device(x, device)))
    assert y.shape == layer.output_shape(x.shape)
    np.testing.assert_allclose(y, direct_avgpool(x, layer.kernel_size, layer.stride), rtol=1e-12, atol=1e-12)


@given(avgpool_configs())
def test_second_order_pass(cfg):
    report = check_double_backward(make(cfg), normal(cfg["seed"], cfg["shape"]))
    assert report.ok, str(report)


def test_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    from tests.torch_helpers import assert_close, crosscheck
    for kernel, stride, shape in ((2, None, (2, 3, 28, 28)), (2, None, (2, 1, 7, 7)), (3, 2, (1, 2, 6, 5)),
                                  ((2, 3), (1, 2), (2, 2, 5, 7))):
        module = torch.nn.AvgPool2d(kernel, stride)
        assert_close(crosscheck(AvgPool2d(kernel, stride), module, rng.standard_normal(shape), rng))


def test_undoes_nearest_upsampling(rng):
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    np.testing.assert_array_equal(AvgPool2d(2).forward(Upsample2d(2).forward(x)), x)


def test_rejects_wrong_inputs_and_arguments():
    with pytest.raises(LayerInputError, match="larger than the input"):
        AvgPool2d(3).forward(np.zeros((1, 1, 2, 5), np.float32))
    with pytest.raises(LayerInputError, match="4-dimensional"):
        AvgPool2d(2).forward(np.zeros((2, 4), np.float32))
    for kernel, stride in ((0, None), (2, 0), (1.5, None), ((2, 2, 2), None)):
        with pytest.raises(LayerConfigError):
            AvgPool2d(kernel, stride)
