"""Layers with hand-written forward and backward passes. See module.py for the contract."""
from .activations import LeakyReLU, ReLU, Sigmoid, Tanh
from .batchnorm import BatchNorm1d, BatchNorm2d
from .conv import Conv2d
from .conv_transpose import ConvTranspose2d
from .dense import Dense
from .dropout import Dropout
from .fade import FadeIn
from .layernorm import LayerNorm
from .minibatch_discrimination import MinibatchDiscrimination
from .minibatch_std import MinibatchStdDev
from .module import Module
from .pixelnorm import PixelNorm
from .pool import AvgPool2d
from .scale import Scale
from .sequential import Sequential
from .shape import Flatten, Pack, Reshape
from .upsample import Upsample2d

__all__ = [
    "Module", "Dense", "Conv2d", "ConvTranspose2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm",
    "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Flatten", "Reshape", "Dropout", "Sequential",
    "MinibatchDiscrimination", "Upsample2d", "AvgPool2d", "PixelNorm", "MinibatchStdDev", "FadeIn",
    "Scale", "Pack",
]
