import numpy as np
import pytest
from hypothesis import given

from minigan.backend import to_device, to_numpy
from minigan.gradcheck import check_double_backward
from minigan.nn import Upsample2d
from minigan.nn.validation import LayerConfigError, LayerInputError
from tests.layer_contract import assert_layer_contract
from tests.strategies import normal, upsample_configs


@given(upsample_configs())
def test_upsample_contract(device, cfg):
    assert_layer_contract(Upsample2d(cfg["scale"]), normal(cfg["seed"], cfg["shape"]), device)


@given(upsample_configs())
def test_forward_is_the_definition_one_pixel_at_a_time(device, cfg):
    layer = Upsample2d(cfg["scale"])
    x = normal(cfg["seed"], cfg["shape"]).astype(np.float32)
    y = to_numpy(layer.forward(to_device(x, device)))
    sh, sw = layer.scale_factor
    N, C, H, W = x.shape
    assert y.shape == layer.output_shape(x.shape) == (N, C, sh * H, sw * W) and y.dtype == np.float32
    for i in range(sh * H):
        for j in range(sw * W):
            np.testing.assert_array_equal(y[:, :, i, j], x[:, :, i // sh, j // sw])


@given(upsample_configs())
def test_second_order_pass(cfg):
    report = check_double_backward(Upsample2d(cfg["scale"]), normal(cfg["seed"], cfg["shape"]))
    assert report.ok, str(report)


def test_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    from tests.torch_helpers import assert_close, crosscheck
    for scale, shape in ((2, (2, 3, 4, 5)), ((2, 3), (1, 2, 3, 2)), (3, (3, 1, 2, 2))):
        module = torch.nn.Upsample(scale_factor=scale, mode="nearest")
        assert_close(crosscheck(Upsample2d(scale), module, rng.standard_normal(shape), rng))


def test_rejects_wrong_inputs_and_arguments():
    with pytest.raises(LayerInputError, match="4-dimensional"):
        Upsample2d(2).forward(np.zeros((2, 3), np.float32))
    for bad in (0, 1.5, (2, 0), "2"):
        with pytest.raises(LayerConfigError):
            Upsample2d(bad)
    layer = Upsample2d(2)
    layer.forward(np.zeros((1, 1, 2, 2), np.float32))
    with pytest.raises(LayerInputError, match="upstream gradient"):
        layer.backward(np.zeros((1, 1, 2, 2), np.float32))


def test_needs_input_grad_false_returns_none():
    layer = Upsample2d(2)
    layer.forward(np.ones((1, 1, 2, 2), np.float32))
    layer.needs_input_grad = False
    assert layer.backward(np.ones((1, 1, 4, 4), np.float32)) is None
