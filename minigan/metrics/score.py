"""Score generated Fashion-MNIST images with minigan's own classifier (see quality.py).

    scorer = QualityScorer()                   # the shipped classifier, test-set statistics
    scorer.score(images)                       # images (N, 28, 28) or (N, 1, 28, 28) in [-1, 1]
    -> {"frechet_distance": ..., "classifier_score": ..., "class_histogram": [...], "num_images": N}

The reference statistics are those of the 10,000 test images, computed once per scorer.
``calibrate()`` publishes the floor and the ceiling of the distance: 10,000 training images
against the test images (what a perfect generator would score with as many samples), and
10,000 images of uniform noise against the test images.
"""
import numpy as np

from ..backend import get_array_module, to_device, to_numpy
from ..data.fashion_mnist import CLASSES, load_fashion_mnist
from ..models.classifier import features, predict_proba
from ..pretrained import load_pretrained
from .quality import class_histogram, classifier_score, frechet_distance, gaussian_stats


def as_images(x):
    """(N, 28, 28) or (N, 1, 28, 28) -> float32 (N, 1, 28, 28), checking the range [-1, 1].
    The images stay on their device; the range is read back once."""
    x = (x if hasattr(x, "astype") else np.asarray(x)).astype(np.float32, copy=False)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1:] != (1, 28, 28):
        raise ValueError(f"expected images of shape (N, 28, 28) or (N, 1, 28, 28), got {x.shape}")
    if x.size:
        low, high = to_numpy(get_array_module(x).stack([x.min(), x.max()])).tolist()
        if low < -1.001 or high > 1.001:
            raise ValueError(f"expected pixels in [-1, 1], got values in [{low:.3g}, {high:.3g}]")
    return x


class QualityScorer:
    def __init__(self, model=None, reference=None, device="cpu", root=None):
        self.device = device
        self.model = model if model is not None else load_pretrained("fashion-classifier", device)
        if reference is None:
            reference = load_fashion_mnist("test", root=root).as_float()
        self.reference_stats = gaussian_stats(self._features(reference))

    def _features(self, x):
        return features(self.model, to_device(as_images(x), self.device))

    def score(self, images):
        images = as_images(images)
        x = to_device(images, self.device)
        probs = predict_proba(self.model, x)
        return {
            "frechet_distance": frechet_distance(gaussian_stats(features(self.model, x)), self.reference_stats),
            "classifier_score": classifier_score(probs),
            "class_histogram": {name: float(f) for name, f in zip(CLASSES, class_histogram(probs))},
            "num_images": int(len(images)),
        }

    def calibrate(self, rng=None, root=None):
        """Floor and ceiling: train images vs test, uniform noise vs test, and the test set's own
        classifier score."""
        rng = np.random.default_rng(rng)
        train = load_fashion_mnist("train", root=root).as_float()
        train = train[rng.choice(len(train), 10000, replace=False)]
        test = load_fashion_mnist("test", root=root).as_float()
        noise = rng.uniform(-1, 1, (10000, 1, 28, 28)).astype(np.float32)
        return {"train_vs_test": self.score(train), "noise_vs_test": self.score(noise),
                "test_vs_test": self.score(test)}
