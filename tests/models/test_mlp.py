"""The fully connected GAN builders: shapes, dtypes, parameters named and shaped as PyTorch's
twin, PyTorch's default initial range, and the same outputs as PyTorch with the weights copied."""
import math

import numpy as np
import pytest

from minigan import nn
from minigan.models.mlp import mlp_discriminator, mlp_generator


def torch_twins():
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    G = tnn.Sequential(tnn.Linear(100, 256), tnn.LeakyReLU(0.2), tnn.Linear(256, 512), tnn.LeakyReLU(0.2),
                       tnn.Linear(512, 1024), tnn.LeakyReLU(0.2), tnn.Linear(1024, 784), tnn.Tanh(),
                       tnn.Unflatten(1, (1, 28, 28)))
    D = tnn.Sequential(tnn.Flatten(), tnn.Linear(784, 512), tnn.LeakyReLU(0.2), tnn.Linear(512, 256),
                       tnn.LeakyReLU(0.2), tnn.Linear(256, 1))
    return G, D


def test_shapes_and_dtype():
    G, D = mlp_generator(rng=0), mlp_discriminator(rng=1)
    z = np.random.default_rng(2).standard_normal((5, 100)).astype(np.float32)
    x = G.forward(z)
    assert x.shape == (5, 1, 28, 28) and x.dtype == np.float32
    assert np.all(np.abs(x) <= 1)
    logits = D.forward(x)
    assert logits.shape == (5, 1) and logits.dtype == np.float32
    assert D.backward(np.ones_like(logits)).shape == x.shape
    assert G.backward(np.ones_like(x)).shape == z.shape


def test_parameters_match_pytorch():
    G_t, D_t = torch_twins()
    for ours, theirs in ((mlp_generator(rng=0), G_t), (mlp_discriminator(rng=0), D_t)):
        assert {k: v.shape for k, v in ours.params.items()} == \
               {k: tuple(v.shape) for k, v in theirs.named_parameters()}
        assert ours.num_parameters() == sum(p.numel() for p in theirs.parameters())
    assert mlp_generator(rng=0).num_parameters() == 1_486_352
    assert mlp_discriminator(rng=0).num_parameters() == 533_505


def test_pytorch_default_initial_range():
    for model in (mlp_generator(rng=3), mlp_discriminator(rng=4)):
        for m in model.modules():
            if isinstance(m, nn.Dense):
                bound = 1 / math.sqrt(m.in_features)
                for p in m.params.values():
                    assert np.abs(p).max() <= bound
                w = m.params["weight"]
                # U(-b, b) has standard deviation b / sqrt(3)
                assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound, (m, w.std(), bound)


def test_outputs_match_pytorch():
    torch = pytest.importorskip("torch")
    from tests.torch_helpers import copy_to_torch, rel_error
    G, D = mlp_generator(rng=0, dtype="float64"), mlp_discriminator(rng=1, dtype="float64")
    G_t, D_t = (m.double() for m in torch_twins())
    copy_to_torch(G, G_t)
    copy_to_torch(D, D_t)
    z = np.random.default_rng(5).standard_normal((6, 100))
    x = G.forward(z)
    with torch.no_grad():
        x_t = G_t(torch.from_numpy(z))
        assert rel_error(x, x_t) < 1e-10
        assert rel_error(D.forward(x), D_t(x_t)) < 1e-10
