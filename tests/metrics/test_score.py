"""The quality score with the shipped classifier, on the real data (skipped without it)."""
import numpy as np
import pytest

from minigan.backend import device_of, to_device, to_numpy
from minigan.data.fashion_mnist import load_fashion_mnist
from minigan.metrics.score import QualityScorer, as_images
from minigan.models.classifier import accuracy
from minigan.pretrained import path_of
from tests.fake_device import fake_cuda

pytestmark = pytest.mark.skipif(not path_of("fashion-classifier").exists(), reason="no shipped classifier")


@pytest.fixture(scope="module")
def scorer(fashion_root):
    return QualityScorer(root=fashion_root)


def test_shipped_classifier_reaches_90_percent(scorer, fashion_root):
    test = load_fashion_mnist("test", root=fashion_root)
    assert accuracy(scorer.model, test.as_float(), test.labels) >= 0.90


def test_real_images_score_far_better_than_noise_and_one_class(scorer, fashion_root):
    train = load_fashion_mnist("train", root=fashion_root)
    real = train.as_float()[:5000]
    noise = np.random.default_rng(0).uniform(-1, 1, (5000, 28, 28)).astype(np.float32)
    one_class = train.as_float()[train.labels == 7][:5000]           # sneakers only: mode collapse
    s_real, s_noise, s_one = scorer.score(real), scorer.score(noise), scorer.score(one_class)
    assert s_real["frechet_distance"] < 0.1 * s_noise["frechet_distance"]
    assert s_real["frechet_distance"] < 0.2 * s_one["frechet_distance"]
    assert s_real["classifier_score"] > 7 and s_one["classifier_score"] < 1.5
    assert min(s_real["class_histogram"].values()) > 0.05
    assert s_one["class_histogram"]["Sneaker"] > 0.9


def test_images_outside_the_tanh_range_are_rejected():
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        as_images(np.full((2, 28, 28), 255.0))
    with pytest.raises(ValueError, match="shape"):
        as_images(np.zeros((2, 32, 32)))


def test_device_images_are_checked_and_kept_on_their_device():
    images = np.linspace(-1, 1, 2 * 28 * 28).reshape(2, 28, 28)
    with fake_cuda() as cupy:
        x = as_images(to_device(images, "cuda"))
        assert device_of(x) == "cuda" and x.shape == (2, 1, 28, 28) and x.dtype == np.float32
        assert cupy.host_reads == 1                              # the range, read once
        np.testing.assert_array_equal(to_numpy(x)[:, 0], images.astype(np.float32))
        with pytest.raises(ValueError, match=r"\[-1, 1\]"):
            as_images(to_device(images * 2, "cuda"))
