"""Weight initialisers used for GANs. Each takes an explicit numpy Generator (or seed).

Layers start from PyTorch's defaults already (U(-1/sqrt(fan_in), 1/sqrt(fan_in)));
``pytorch_default`` re-draws them. DCGAN (Radford et al. 2016) draws every conv and
dense weight from N(0, 0.02) and batch-norm scales from N(1, 0.02), biases 0.
Values are drawn on the CPU in float64, then cast to each parameter's dtype and device.
"""
import math

import numpy as np

from .backend import device_of, to_device
from .nn.batchnorm import _BatchNorm
from .nn.conv import Conv2d
from .nn.conv_transpose import ConvTranspose2d
from .nn.dense import Dense
from .nn.module import as_generator

WEIGHTED = (Dense, Conv2d, ConvTranspose2d)


def fan_in(layer):
    """PyTorch's fan_in: weight.shape[1] * kernel area (for ConvTranspose2d that is out_channels*kh*kw)."""
    w = layer.params["weight"]
    return w.shape[1] * math.prod(w.shape[2:])


def _assign(layer, name, values):
    old = layer.params[name]
    layer.params[name] = to_device(values.astype(old.dtype), device_of(old))


def normal_(layer, name, mean, std, rng):
    """Fill layer.params[name] with N(mean, std^2) draws."""
    _assign(layer, name, rng.normal(mean, std, layer.params[name].shape))


def constant_(layer, name, value):
    """Fill layer.params[name] with a constant."""
    _assign(layer, name, np.full(layer.params[name].shape, float(value)))


def dcgan(model, rng=None):
    """DCGAN's initialisation for every layer in model: weights ~ N(0, 0.02); batch norm
    scale ~ N(1, 0.02), shift 0; biases 0. Returns the model."""
    rng = as_generator(rng)
    for m in model.modules():
        if isinstance(m, WEIGHTED):
            normal_(m, "weight", 0.0, 0.02, rng)
            if "bias" in m.params:
                constant_(m, "bias", 0.0)
        elif isinstance(m, _BatchNorm) and "weight" in m.params:
            normal_(m, "weight", 1.0, 0.02, rng)
            constant_(m, "bias", 0.0)
    return model


def pytorch_default(model, rng=None):
    """PyTorch's default: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (its kaiming_uniform
    with a = sqrt(5)); batch norm scale 1, shift 0. Returns the model."""
    rng = as_generator(rng)
    for m in model.modules():
        if isinstance(m, WEIGHTED):
            bound = 1.0 / math.sqrt(fan_in(m))
            for name in m.params:
                _assign(m, name, rng.uniform(-bound, bound, m.params[name].shape))
        elif isinstance(m, _BatchNorm) and "weight" in m.params:
            constant_(m, "weight", 1.0)
            constant_(m, "bias", 0.0)
    return model
