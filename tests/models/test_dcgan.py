"""The DCGAN builders: shapes, dtypes, parameters named and shaped as PyTorch's twin, DCGAN's
initial statistics, and the same outputs as PyTorch once the weights are copied across."""
import numpy as np
import pytest

from minigan import nn
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator


def torch_twins():
    """The same two networks in PyTorch (bias off exactly where minigan's is)."""
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    G = tnn.Sequential(tnn.Linear(100, 6272, bias=False), tnn.BatchNorm1d(6272), tnn.ReLU(), tnn.Unflatten(1, (128, 7, 7)),
                       tnn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), tnn.BatchNorm2d(64), tnn.ReLU(),
                       tnn.ConvTranspose2d(64, 1, 4, 2, 1), tnn.Tanh())
    D = tnn.Sequential(tnn.Conv2d(1, 64, 4, 2, 1), tnn.LeakyReLU(0.2),
                       tnn.Conv2d(64, 128, 4, 2, 1, bias=False), tnn.BatchNorm2d(128), tnn.LeakyReLU(0.2),
                       tnn.Flatten(), tnn.Linear(6272, 1))
    return G, D


def test_shapes_and_dtype():
    G, D = dcgan_generator(rng=0), dcgan_discriminator(rng=1)
    z = np.random.default_rng(2).standard_normal((5, 100)).astype(np.float32)
    x = G.forward(z)
    assert x.shape == (5, 1, 28, 28) and x.dtype == np.float32
    assert np.all(np.abs(x) <= 1)
    logits = D.forward(x)
    assert logits.shape == (5, 1) and logits.dtype == np.float32
    assert D.backward(np.ones_like(logits)).shape == x.shape


def test_parameters_match_pytorch():
    G_t, D_t = torch_twins()
    for ours, theirs in ((dcgan_generator(rng=0), G_t), (dcgan_discriminator(rng=0), D_t)):
        assert {k: v.shape for k, v in ours.params.items()} == \
               {k: tuple(v.shape) for k, v in theirs.named_parameters()}
        assert ours.num_parameters() == sum(p.numel() for p in theirs.parameters())
    assert dcgan_generator(rng=0).num_parameters() == 771_969
    assert dcgan_discriminator(rng=0).num_parameters() == 138_689


def test_dcgan_initial_statistics():
    for model in (dcgan_generator(rng=3), dcgan_discriminator(rng=4)):
        for m in model.modules():
            if isinstance(m, (nn.Dense, nn.Conv2d, nn.ConvTranspose2d)):
                w = m.params["weight"]
                assert abs(w.mean()) < 0.01 and 0.015 < w.std() < 0.025, (m, w.mean(), w.std())
                if "bias" in m.params:
                    assert not m.params["bias"].any()
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                assert abs(m.params["weight"].mean() - 1) < 0.01 and 0.01 < m.params["weight"].std() < 0.03
                assert not m.params["bias"].any()


def test_seeded_builds_repeat():
    a, b = dcgan_generator(rng=7), dcgan_generator(rng=7)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    c = dcgan_generator(rng=8)
    assert not np.array_equal(a.params["0.weight"], c.params["0.weight"])


def test_outputs_match_pytorch():
    torch = pytest.importorskip("torch")
    from tests.torch_helpers import copy_to_torch, rel_error
    G, D = dcgan_generator(rng=0, dtype="float64"), dcgan_discriminator(rng=1, dtype="float64")
    G_t, D_t = (m.double() for m in torch_twins())
    copy_to_torch(G, G_t)
    copy_to_torch(D, D_t)
    z = np.random.default_rng(5).standard_normal((6, 100))
    x = G.forward(z)
    with torch.no_grad():
        x_t = G_t(torch.from_numpy(z))
        assert rel_error(x, x_t) < 1e-10
        assert rel_error(D.forward(x), D_t(x_t)) < 1e-10
