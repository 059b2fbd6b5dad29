"""minigan.metrics.shares: class shares under the shipped classifier, and their dynamics by hand."""
import numpy as np
import pytest

from minigan.metrics.shares import class_shares, share_dynamics
from minigan.pretrained import load_pretrained


def test_share_dynamics_by_hand():
    rows = [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0.5, 0, 0.5]]
    d = share_dynamics(rows)
    assert d["hop_rate"] == pytest.approx((1 + 0 + 1) / 3)
    assert d["largest_share"] == pytest.approx((1 + 1 + 1 + 0.5) / 4)
    assert d["dominant_changes"] == 2                     # 0 -> 1, then 1 -> 0 (ties go to the first)
    assert d["dominant_classes"] == [0, 1]
    even = share_dynamics(np.full((5, 4), 0.25))
    assert even["hop_rate"] == 0 and even["largest_share"] == 0.25 and even["dominant_changes"] == 0


def test_class_shares_of_real_images_follow_their_labels(fashion_root):
    from minigan.data.fashion_mnist import load_fashion_mnist
    test = load_fashion_mnist("test", root=fashion_root)
    images, labels = test.as_float()[:2000], test.labels[:2000]
    classifier = load_pretrained("fashion-classifier")
    shares = class_shares(classifier, images)
    assert shares.shape == (10,) and shares.sum() == pytest.approx(1)
    np.testing.assert_allclose(shares, np.bincount(labels, minlength=10) / 2000, atol=0.03)
    trousers = class_shares(classifier, images[labels == 1][:, 0])        # (N, 28, 28) is taken too
    assert trousers[1] > 0.9
