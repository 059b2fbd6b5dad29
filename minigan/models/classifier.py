"""A small Fashion-MNIST classifier, minigan's stand-in for the Inception network in quality scores.

    x (N, 1, 28, 28) -> Conv2d(1, 32, 4, 2, 1) -> BatchNorm2d -> ReLU                 (N, 32, 14, 14)
      -> Conv2d(32, 64, 4, 2, 1) -> BatchNorm2d -> ReLU                               (N, 64, 7, 7)
      -> Flatten -> Dense(3136, 128) -> ReLU                                          (N, 128) features
      -> Dropout(0.3) -> Dense(128, 10)                                               (N, 10) logits

Small on purpose (about 2 million multiply-adds an image): it trains in minutes on a CPU
and scores 10,000 images in seconds.

``features(model, x)`` runs it in eval mode up to the 128-d penultimate layer, the features
the Frechet distance compares; ``predict_proba`` gives softmax class probabilities.
"""
from ..backend import get_array_module, to_numpy
from ..nn import BatchNorm2d, Conv2d, Dense, Dropout, Flatten, ReLU, Sequential
from ..nn.module import as_generator

FEATURE_LAYERS = 9          # layers up to and including the penultimate ReLU


def fashion_classifier(rng=None, dtype="float32"):
    rng = as_generator(rng)
    return Sequential(
        Conv2d(1, 32, 4, 2, 1, bias=False, rng=rng, dtype=dtype), BatchNorm2d(32, dtype=dtype), ReLU(),
        Conv2d(32, 64, 4, 2, 1, bias=False, rng=rng, dtype=dtype), BatchNorm2d(64, dtype=dtype), ReLU(),
        Flatten(), Dense(64 * 7 * 7, 128, rng=rng, dtype=dtype), ReLU(),
        Dropout(0.3, rng=rng), Dense(128, 10, rng=rng, dtype=dtype),
    )


def _batched(model, x, stop, batch_size):
    model.eval()
    outputs = []
    for start in range(0, len(x), batch_size):
        h = x[start:start + batch_size]
        for layer in model.layers[:stop]:
            h = layer.forward(h)
        outputs.append(h)
    return get_array_module(outputs[0]).concatenate(outputs)


def features(model, x, batch_size=500):
    """Penultimate features (N, 128) of images x (N, 1, 28, 28) in [-1, 1], in eval mode."""
    return _batched(model, x, FEATURE_LAYERS, batch_size)


def predict_proba(model, x, batch_size=500):
    """Softmax class probabilities (N, 10), in eval mode."""
    logits = _batched(model, x, len(model.layers), batch_size)
    xp = get_array_module(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = xp.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def accuracy(model, x, labels, batch_size=500):
    probs = predict_proba(model, x, batch_size)
    return float((to_numpy(probs.argmax(axis=1)) == to_numpy(labels)).mean())
