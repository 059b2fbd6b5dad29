"""Whole GAN training iterations, minigan against PyTorch in float64: the same G (dense without
bias, batch norm, ReLU, dense, tanh) and D (dense, leaky ReLU, dense), the non-saturating loss,
Adam with DCGAN's lr=2e-4, betas=(0.5, 0.999). Each iteration is a D step on real and detached
fake samples, then a G step through D (D's weights untouched). After every iteration all
weights, G's batch-norm statistics, the gradients and the losses agree to relative error
< 1e-9 (``rel_error`` in tests/torch_helpers.py); the weights' displacement from the start too.
The iteration is written out with forward/backward calls, and run by ``GANTrainer``.

Adam turns any gradient into a step of about lr, so a gradient that is analytically zero and
only rounding noise would give steps of random sign on each side. Two things would make one:
a bias in front of batch norm (the mean is removed, as DCGAN notes), hence no bias there; and
a batch of 2 (batch norm maps two values to -1, +1 whatever they are), hence batches of 4+."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import losses, nn, optim
from minigan.gan import GANConfig, GANTrainer
from tests.strategies import seeds

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from tests.torch_helpers import assert_close, copy_to_torch, randomize, rel_error  # noqa: E402

pytestmark = pytest.mark.torch
F64 = "float64"
NOISE, HIDDEN, DATA = 4, 8, 2
ADAM = dict(lr=2e-4, betas=(0.5, 0.999))
TOL = 1e-9
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def build(seed):
    rng = np.random.default_rng(seed)
    G = nn.Sequential(nn.Dense(NOISE, HIDDEN, bias=False, rng=rng, dtype=F64), nn.BatchNorm1d(HIDDEN, dtype=F64),
                      nn.ReLU(), nn.Dense(HIDDEN, DATA, rng=rng, dtype=F64), nn.Tanh())
    D = nn.Sequential(nn.Dense(DATA, HIDDEN, rng=rng, dtype=F64), nn.LeakyReLU(0.2),
                      nn.Dense(HIDDEN, 1, rng=rng, dtype=F64))
    G_t = torch.nn.Sequential(torch.nn.Linear(NOISE, HIDDEN, bias=False), torch.nn.BatchNorm1d(HIDDEN),
                              torch.nn.ReLU(), torch.nn.Linear(HIDDEN, DATA), torch.nn.Tanh()).double()
    D_t = torch.nn.Sequential(torch.nn.Linear(DATA, HIDDEN), torch.nn.LeakyReLU(0.2),
                              torch.nn.Linear(HIDDEN, 1)).double()
    randomize(G, seed)     # batch-norm scale and statistics away from 1 and 0
    copy_to_torch(G, G_t)
    copy_to_torch(D, D_t)
    return G, D, G_t, D_t


def minigan_iteration(G, D, opt_G, opt_D, loss, real, z):
    """One iteration written out with forward/backward calls; returns (loss_D, loss_G)."""
    # D step: real and fake as two passes (each layer caches its last forward, so each pass
    # goes backward before the next forward); backward adds the fake pass's gradients to the
    # real pass's. The fake is "detached": nothing flows into G, and D skips its input gradient.
    fake = G.forward(z)
    opt_D.zero_grad()
    D.needs_input_grad = False
    real_value, dreal = loss.discriminator_real(D.forward(real))
    D.backward(dreal)
    fake_value, dfake = loss.discriminator_fake(D.forward(fake))
    D.backward(dfake)
    D.needs_input_grad = True
    opt_D.step()
    # G step on the same fake, through the updated D, whose weights get no gradient or update.
    opt_G.zero_grad()
    D.requires_grad_(False)
    loss_G, dlogits = loss.generator(D.forward(fake))
    G.backward(D.backward(dlogits))
    D.requires_grad_(True)
    opt_G.step()
    return real_value + fake_value, loss_G


def torch_iteration(G_t, D_t, opt_G, opt_D, real, z, z_generator=None):
    """The textbook PyTorch loop (DCGAN example); z_generator: the G step draws a new fake.
    Returns (loss_D, loss_G, D's gradients from the D step: the G step adds to torch's)."""
    fake = G_t(torch.from_numpy(z))
    opt_D.zero_grad()
    real_logits, fake_logits = D_t(torch.from_numpy(real)), D_t(fake.detach())
    loss_D = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
              + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    loss_D.backward()
    d_grads = {name: p.grad.clone() for name, p in D_t.named_parameters()}
    opt_D.step()
    opt_G.zero_grad()
    if z_generator is not None:
        fake = G_t(torch.from_numpy(z_generator))
    logits = D_t(fake)
    loss_G = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    loss_G.backward()
    opt_G.step()
    return loss_D, loss_G, d_grads


def compare(model, module, start, prefix, grads):
    errors = {}
    theirs = dict(module.named_parameters())
    buffers = dict(module.named_buffers())
    for name, p in model.params.items():
        t = theirs[name].detach().numpy()
        errors[f"{prefix}{name}"] = rel_error(p, t)
        errors[f"{prefix}{name} - start"] = rel_error(p - start[name], t - start[name])
        errors[f"{prefix}grad {name}"] = rel_error(model.grads[name], grads[name])
    for name, b in model.buffers.items():
        errors[f"{prefix}{name}"] = rel_error(b, buffers[name])
    return errors


def compare_all(G, D, G_t, D_t, starts, d_grads):
    """Weights, displacements, buffers and gradients; minigan's D gradients are still the D step's."""
    G_grads = {name: p.grad for name, p in G_t.named_parameters()}
    return {**compare(G, G_t, starts["G"], "G ", G_grads), **compare(D, D_t, starts["D"], "D ", d_grads)}


def snapshot(*models):
    return {name: {k: v.copy() for k, v in m.params.items()} for name, m in zip("GD", models)}


@given(seed=seeds, batch=st.integers(4, 16), iterations=st.integers(1, 3))
def test_gan_iterations_match_torch(seed, batch, iterations):
    G, D, G_t, D_t = build(seed)
    starts = snapshot(G, D)
    opt_G, opt_D = optim.Adam(G, **ADAM), optim.Adam(D, **ADAM)
    opt_G_t, opt_D_t = torch.optim.Adam(G_t.parameters(), **ADAM), torch.optim.Adam(D_t.parameters(), **ADAM)
    rng = np.random.default_rng(seed)
    for _ in range(iterations):
        real = rng.standard_normal((batch, DATA)) * 0.5 + 1.0
        z = rng.standard_normal((batch, NOISE))
        loss_D, loss_G = minigan_iteration(G, D, opt_G, opt_D, losses.NonSaturating(), real, z)
        t_loss_D, t_loss_G, d_grads = torch_iteration(G_t, D_t, opt_G_t, opt_D_t, real, z)
        errors = {"loss D": rel_error(loss_D, t_loss_D), "loss G": rel_error(loss_G, t_loss_G)}
        assert_close({**errors, **compare_all(G, D, G_t, D_t, starts, d_grads)}, TOL)
    for name, model in (("G", G), ("D", D)):
        assert all(np.any(model.params[k] != starts[name][k]) for k in model.params), f"{name} did not move"


class Blob:
    """Data for GANTrainer: sample(n, rng) draws from N((1, 1), 0.25 I)."""

    def sample(self, n, rng):
        return rng.standard_normal((n, DATA)) * 0.5 + 1.0


@given(seed=seeds, batch=st.integers(4, 16), iterations=st.integers(1, 3), fresh=st.booleans())
def test_trainer_steps_match_torch(seed, batch, iterations, fresh):
    """GANTrainer.train_step against the torch loop fed the same draws from the trainer's
    Generator: a real batch, z for the D step, and (with g_fresh_noise) a new z for the G step;
    by default the G step reuses the D step's fake, as PyTorch's DCGAN example does."""
    G, D, G_t, D_t = build(seed)
    starts = snapshot(G, D)
    config = GANConfig(loss="non-saturating", batch_size=batch, z_dim=NOISE, seed=seed, g_fresh_noise=fresh)
    trainer = GANTrainer(G, D, optim.Adam(G, **ADAM), optim.Adam(D, **ADAM), Blob(), config)
    opt_G_t, opt_D_t = torch.optim.Adam(G_t.parameters(), **ADAM), torch.optim.Adam(D_t.parameters(), **ADAM)
    rng = np.random.default_rng(seed)
    for _ in range(iterations):
        record = trainer.train_step()
        real = Blob().sample(batch, rng)
        z = rng.standard_normal((batch, NOISE))
        z_generator = rng.standard_normal((batch, NOISE)) if fresh else None
        t_loss_D, t_loss_G, d_grads = torch_iteration(G_t, D_t, opt_G_t, opt_D_t, real, z, z_generator)
        errors = {"loss D": rel_error(record["d_loss"], t_loss_D), "loss G": rel_error(record["g_loss"], t_loss_G)}
        assert_close({**errors, **compare_all(G, D, G_t, D_t, starts, d_grads)}, TOL)


def test_g_step_leaves_d_weights_and_grads_alone():
    """The G step is through D: it must not touch D's weights, nor add into D's gradients."""
    G, D, _, _ = build(0)
    opt_G, opt_D = optim.Adam(G, **ADAM), optim.Adam(D, **ADAM)
    rng = np.random.default_rng(1)
    real, z = rng.standard_normal((8, DATA)), rng.standard_normal((8, NOISE))
    minigan_iteration(G, D, opt_G, opt_D, losses.NonSaturating(), real, z)
    D_weights = {k: v.copy() for k, v in D.params.items()}
    D_grads = {k: v.copy() for k, v in D.grads.items()}
    opt_G.zero_grad()                                  # a second G step alone
    D.requires_grad_(False)
    _, dlogits = losses.NonSaturating().generator(D.forward(G.forward(z)))
    G.backward(D.backward(dlogits))
    D.requires_grad_(True)
    opt_G.step()
    for k in D.params:
        np.testing.assert_array_equal(D.params[k], D_weights[k])
        np.testing.assert_array_equal(D.grads[k], D_grads[k])


def torch_dcgan(z_dim, width):
    """The PyTorch twin the benchmarks train (benchmarks/torch_models.py) at another width, float64."""
    spec = importlib.util.spec_from_file_location("torch_models", BENCHMARKS / "torch_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    G, D = module.torch_dcgan(torch, z_dim=z_dim, width=width)
    return G.double(), D.double()


@pytest.mark.parametrize("seed", [0, 1])
def test_dcgan_iterations_match_torch(seed):
    """The Fashion-MNIST DCGAN itself (at width 4): convolutions, batch norm in both networks
    (in D also during the G step, on the fake batch), channels-last fast paths. Same start,
    same batches, same noise: every weight, statistic and gradient agrees after each of
    three iterations."""
    from minigan.models.dcgan import dcgan_discriminator, dcgan_generator
    z_dim, width, batch = 8, 4, 6
    G = dcgan_generator(z_dim, width=width, rng=seed, dtype=F64)
    D = dcgan_discriminator(width=width, rng=seed + 10, dtype=F64)
    G_t, D_t = torch_dcgan(z_dim, width)
    copy_to_torch(G, G_t)
    copy_to_torch(D, D_t)
    starts = snapshot(G, D)
    opt_G, opt_D = optim.Adam(G, **ADAM), optim.Adam(D, **ADAM)
    opt_G_t, opt_D_t = torch.optim.Adam(G_t.parameters(), **ADAM), torch.optim.Adam(D_t.parameters(), **ADAM)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        real = np.tanh(rng.standard_normal((batch, 1, 28, 28)))
        z = rng.standard_normal((batch, z_dim))
        loss_D, loss_G = minigan_iteration(G, D, opt_G, opt_D, losses.NonSaturating(), real, z)
        t_loss_D, t_loss_G, d_grads = torch_iteration(G_t, D_t, opt_G_t, opt_D_t, real, z)
        errors = {"loss D": rel_error(loss_D, t_loss_D), "loss G": rel_error(loss_G, t_loss_G)}
        assert_close({**errors, **compare_all(G, D, G_t, D_t, starts, d_grads)}, TOL)
