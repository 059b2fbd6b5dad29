import numpy as np
import pytest

from minigan import nn
from minigan.backend import DeviceError


def test_zero_grad_clears_and_reallocates_after_dtype_change(rng):
    layer = nn.Dense(3, 2, rng=0)
    layer.forward(rng.standard_normal((4, 3)).astype(np.float32))
    layer.backward(np.ones((4, 2), np.float32))
    assert layer.grads["weight"].any()
    layer.zero_grad()
    assert not layer.grads["weight"].any()
    layer.astype(np.float64)
    assert layer.params["weight"].dtype == np.float64 and layer.grads["weight"].dtype == np.float64


def test_astype_casts_parameters_buffers_and_grads():
    model = nn.Sequential(nn.Dense(2, 3), nn.BatchNorm1d(3))
    model.astype(np.float64)
    for store in (model.params, model.grads, model.buffers):
        assert all(v.dtype == np.float64 for v in store.values())


def test_to_cpu_is_identity_and_unknown_device_is_rejected():
    layer = nn.Dense(2, 3, rng=0)
    w = layer.params["weight"]
    assert layer.to("cpu").params["weight"] is w
    with pytest.raises(DeviceError, match="unknown device"):
        layer.to("tpu")


def test_state_dict_has_params_and_buffers():
    bn = nn.BatchNorm2d(2)
    assert set(bn.state_dict()) == {"weight", "bias", "running_mean", "running_var"}


def test_repr_names_configuration():
    assert repr(nn.Conv2d(1, 64, 4, 2, 1)).startswith("Conv2d(1, 64, kernel_size=(4, 4), stride=(2, 2)")
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
