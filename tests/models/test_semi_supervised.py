"""The semi-supervised GAN's networks and their GaussianNoise layer."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan.models.semi_supervised import (GaussianNoise, feature_layers, semi_supervised_classifier,
                                            semi_supervised_generator)
from minigan.nn import LeakyReLU
from tests.layer_contract import assert_layer_contract
from tests.strategies import elementwise_shapes, normal, seeds


@given(shape=elementwise_shapes, seed=seeds, std=st.sampled_from([0.0, 0.3, 2.0]), training=st.booleans())
def test_gaussian_noise_contract(device, shape, seed, std, training):
    assert_layer_contract(GaussianNoise(std, rng=seed).train(training), normal(seed, shape), device)


def test_gaussian_noise_adds_noise_of_its_std_in_training_only(rng):
    x = rng.standard_normal((200, 300)).astype(np.float32)
    layer = GaussianNoise(0.5, rng=0)
    y = layer.forward(x)
    assert y.dtype == np.float32 and abs(float((y - x).std()) - 0.5) < 0.01 and abs(float((y - x).mean())) < 0.01
    assert layer.eval().forward(x) is x
    with pytest.raises(ValueError, match="std"):
        GaussianNoise(-1.0)


def test_classifier_logits_features_and_generator_images(rng):
    D = semi_supervised_classifier(rng=0)
    G = semi_supervised_generator(rng=1)
    images = G.forward(rng.standard_normal((3, 100)).astype(np.float32))
    assert images.shape == (3, 1, 28, 28) and np.abs(images).max() <= 1
    assert D.forward(images).shape == (3, 10)
    features = D.layers[:feature_layers(D)]
    assert isinstance(features[-1], LeakyReLU) and D.layers[-1].params["weight"].shape == (10, 250)
    D.eval()
    np.testing.assert_array_equal(D.forward(images), D.forward(images))      # no noise in eval mode
    assert not np.array_equal(D.train().forward(images), D.forward(images))
