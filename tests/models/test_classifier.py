import numpy as np

from minigan.losses import softmax_cross_entropy
from minigan.models.classifier import accuracy, fashion_classifier, features, predict_proba
from minigan.optim import Adam


def test_shapes_and_probabilities(rng):
    model = fashion_classifier(rng=0)
    x = rng.uniform(-1, 1, (6, 1, 28, 28)).astype(np.float32)
    f = features(model, x, batch_size=4)
    assert f.shape == (6, 128) and (f >= 0).all() and f.any()           # after the penultimate ReLU
    p = predict_proba(model, x, batch_size=4)
    assert p.shape == (6, 10) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)


def test_learns_a_separable_toy_problem(rng):
    """Two 'classes' of images, bright left half vs bright right half: a few steps separate them."""
    x = rng.normal(0, 0.3, (64, 1, 28, 28)).astype(np.float32)
    labels = np.arange(64) % 2
    x[labels == 0, :, :, :14] += 1
    x[labels == 1, :, :, 14:] += 1
    model = fashion_classifier(rng=1)
    opt = Adam(model, lr=1e-3)
    for _ in range(15):
        model.train()
        model.zero_grad()
        _, dlogits = softmax_cross_entropy(model.forward(x), labels)
        model.backward(dlogits)
        opt.step()
    assert accuracy(model, x, labels) == 1.0
