"""Gradient penalties: their parameter gradients against finite differences of the penalty value
(float64) and against PyTorch autograd (create_graph=True), and their use in the trainer."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from minigan import nn
from minigan.gan import GANConfig
from minigan.gan.penalty import gradient_penalty, r1_penalty
from minigan.gan.presets import preset_config, preset_optimizers
from tests.gan.helpers import toy_trainer
from tests.nn.test_layernorm import random_affine
from tests.strategies import normal, seeds


def conv_critic(seed):
    return nn.Sequential(nn.Conv2d(1, 3, 3, stride=2, padding=1, rng=seed), nn.LayerNorm((3, 3, 3)),
                         nn.LeakyReLU(0.2), nn.Conv2d(3, 4, 3, rng=seed + 1), nn.LeakyReLU(0.2), nn.Flatten(),
                         nn.Dense(4, 1, rng=seed + 2)).astype(np.float64)


def mlp_critic(seed):
    return nn.Sequential(nn.Dense(2, 8, rng=seed), nn.Tanh(), nn.Dense(8, 8, rng=seed + 1), nn.LeakyReLU(0.2),
                         nn.Dense(8, 1, rng=seed + 2)).astype(np.float64)


CRITICS = {"conv": (conv_critic, (4, 1, 5, 5)), "mlp": (mlp_critic, (6, 2))}


def penalty_fn(kind, D, real, fake, seed):
    """The penalty value as a function of D's parameters, the interpolation drawn the same every call."""
    def value():
        D.zero_grad()
        if kind == "gp":
            return gradient_penalty(D, real, fake, np.random.default_rng(seed), lam=10.0)[0]
        return r1_penalty(D, real, gamma=3.0)[0]
    return value


def numeric_gradient(value, D, eps=1e-6):
    grads = {}
    for name, p in D.params.items():
        g = np.zeros_like(p)
        for idx in np.ndindex(*p.shape):
            old = p[idx]
            p[idx] = old + eps
            plus = value()
            p[idx] = old - eps
            minus = value()
            p[idx] = old
            g[idx] = (plus - minus) / (2 * eps)
        grads[name] = g
    return grads


@settings(max_examples=8)
@given(seeds, st.sampled_from(sorted(CRITICS)), st.sampled_from(["gp", "r1"]))
def test_penalty_gradient_matches_finite_differences(seed, critic, kind):
    make, shape = CRITICS[critic]
    D = make(seed % 1000)
    if critic == "conv":
        random_affine(D[1], seed)
    real, fake = normal(seed, shape), normal(seed + 1, shape) * 2
    value = penalty_fn(kind, D, real, fake, seed)
    value()
    analytic = {k: v.copy() for k, v in D.grads.items()}
    numeric = numeric_gradient(value, D)
    for name in D.params:
        err = np.abs(analytic[name] - numeric[name]).max()
        assert err <= 1e-6 * max(np.abs(numeric[name]).max(), 1.0), (name, err, analytic[name], numeric[name])


def test_penalty_values_and_norms():
    """A linear critic has the same gradient w everywhere: norms ||w||, GP = lam (||w|| - 1)^2, R1 = gamma/2 ||w||^2."""
    D = nn.Sequential(nn.Dense(3, 1, rng=0, dtype="float64"))
    w = D.params["0.weight"][0]
    real, fake = normal(0, (5, 3)), normal(1, (5, 3))
    value, norms = gradient_penalty(D, real, fake, np.random.default_rng(0), lam=10.0)
    np.testing.assert_allclose(norms, np.linalg.norm(w))
    assert value == pytest.approx(10 * (np.linalg.norm(w) - 1) ** 2)
    # d/dw of lam (||w|| - 1)^2 = 2 lam (||w|| - 1) w / ||w||; the bias gets nothing.
    np.testing.assert_allclose(D.grads["0.weight"][0], 20 * (np.linalg.norm(w) - 1) * w / np.linalg.norm(w))
    assert not D.grads["0.bias"].any()
    D.zero_grad()
    value, _ = r1_penalty(D, real, gamma=4.0)
    assert value == pytest.approx(2 * w @ w)
    np.testing.assert_allclose(D.grads["0.weight"][0], 4 * w)


def test_penalty_adds_into_grads_and_restores_the_switches():
    D = mlp_critic(0)
    real, fake = normal(0, (6, 2)), normal(1, (6, 2))
    D.zero_grad()
    gradient_penalty(D, real, fake, np.random.default_rng(0))
    once = {k: v.copy() for k, v in D.grads.items()}
    D.needs_input_grad = False
    gradient_penalty(D, real, fake, np.random.default_rng(0))
    for k in once:
        np.testing.assert_allclose(D.grads[k], 2 * once[k], rtol=1e-12)
    assert D.needs_input_grad is False and all(m.requires_grad for m in D.modules())


def test_interpolates_use_one_alpha_per_sample():
    """With real = fake except for a constant shift per sample, x_hat stays on each sample's segment."""
    seen = {}

    class Spy(nn.Dense):
        def forward(self, x):
            seen.setdefault("x", x.copy())
            return super().forward(x)
    D = nn.Sequential(Spy(4, 1, rng=0, dtype="float64"))
    real, fake = np.zeros((3, 4)), np.ones((3, 4))
    gradient_penalty(D, real, fake, np.random.default_rng(0))
    x = seen["x"]
    assert np.all(x == x[:, :1]) and len(set(x[:, 0])) == 3


def test_matches_pytorch_autograd():
    torch = pytest.importorskip("torch")
    from tests.torch_helpers import copy_to_torch
    torch.set_num_threads(1)
    for critic, (make, shape) in CRITICS.items():
        D = make(3)
        if critic == "conv":
            random_affine(D[1], 3)
            module = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3, stride=2, padding=1), torch.nn.LayerNorm((3, 3, 3)),
                                         torch.nn.LeakyReLU(0.2), torch.nn.Conv2d(3, 4, 3), torch.nn.LeakyReLU(0.2),
                                         torch.nn.Flatten(), torch.nn.Linear(4, 1)).double()
        else:
            module = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                         torch.nn.LeakyReLU(0.2), torch.nn.Linear(8, 1)).double()
        copy_to_torch(D, module)
        real, fake = normal(0, shape), normal(1, shape) * 2
        for kind in ("gp", "r1"):
            D.zero_grad()
            module.zero_grad()
            if kind == "gp":
                value, norms = gradient_penalty(D, real, fake, np.random.default_rng(7), lam=10.0)
                alpha = np.random.default_rng(7).uniform(size=(shape[0],) + (1,) * (len(shape) - 1))
                x = torch.tensor(alpha * real + (1 - alpha) * fake, requires_grad=True)
            else:
                value, norms = r1_penalty(D, real, gamma=3.0)
                x = torch.tensor(real, requires_grad=True)
            (g,) = torch.autograd.grad(module(x).sum(), x, create_graph=True)
            tnorms = g.flatten(1).norm(dim=1)
            tvalue = 10.0 * ((tnorms - 1) ** 2).mean() if kind == "gp" else 1.5 * (tnorms ** 2).mean()
            tvalue.backward()
            assert value == pytest.approx(tvalue.item(), rel=1e-12)
            np.testing.assert_allclose(norms, tnorms.detach().numpy(), rtol=1e-12)
            for name, p in module.named_parameters():
                # torch leaves grad None where the penalty does not reach (the last bias)
                expected = np.zeros(tuple(p.shape)) if p.grad is None else p.grad.numpy()
                err = np.abs(D.grads[name] - expected).max() / max(np.abs(expected).max(), 1e-300)
                assert err < 1e-10, (critic, kind, name, err)


def test_trainer_records_the_penalty_and_the_wasserstein_estimate():
    trainer = toy_trainer(loss="wasserstein", penalty="gp", d_steps=2)
    assert not trainer.config.clip                 # a penalty replaces weight clipping
    record = trainer.train_step()
    assert {"penalty", "grad_norm", "wasserstein_estimate"} <= set(record)
    assert record["wasserstein_estimate"] == pytest.approx(record["real_logit"] - record["fake_logit"])
    assert record["penalty"] > 0
    assert trainer.D.needs_input_grad and trainer.D.requires_grad


def test_trainer_penalty_step_adds_the_penalty_gradient():
    """D's step gradient = the loss gradient + the penalty gradient on the same batches and alpha."""
    with_penalty, without = toy_trainer(seed=2, loss="wasserstein", penalty="gp"), toy_trainer(seed=2, loss="wasserstein")
    without.config.clip = None
    grads = {}
    for name, trainer in (("with", with_penalty), ("without", without)):
        trainer.d_optimizer.step = lambda: None
        trainer.discriminator_step()
        grads[name] = {k: v.copy() for k, v in trainer.D.grads.items()}
    # Replay the penalty on the same batches: draw them again from the same generator state.
    replay = toy_trainer(seed=2, loss="wasserstein")
    real = replay.real_batch(64)
    fake = replay.G.forward(replay.noise(64))
    replay.D.zero_grad()
    gradient_penalty(replay.D, real, fake, replay.rng, lam=10.0)
    for k in grads["with"]:
        np.testing.assert_allclose(grads["with"][k], grads["without"][k] + replay.D.grads[k], rtol=1e-5, atol=1e-7)


def test_r1_trainer_step_runs():
    record = toy_trainer(loss="non-saturating", penalty="r1", penalty_weight=1.0).train_step()
    assert record["penalty"] > 0 and np.isfinite(record["d_loss"])


def test_presets():
    config = preset_config("wgan-gp", seed=3)
    assert (config.loss, config.penalty, config.penalty_weight, config.d_steps, config.clip) == \
        ("wasserstein", "gp", 10.0, 5, None) and config.seed == 3
    wgan = preset_config("wgan")
    assert (wgan.loss, wgan.clip, wgan.d_steps, wgan.penalty) == ("wasserstein", 0.01, 5, None)
    assert preset_config("r1").penalty == "r1"
    G, D = mlp_critic(0), mlp_critic(1)
    g_opt, d_opt = preset_optimizers("wgan-gp", G, D)
    assert d_opt.hyper["lr"] == 1e-4 and tuple(d_opt.hyper["betas"]) == (0.5, 0.9)
    assert type(preset_optimizers("wgan", G, D, lr=1e-3)[1]).__name__ == "RMSprop"
    with pytest.raises(ValueError, match="unknown preset"):
        preset_config("wgan-lp")
    with pytest.raises(ValueError, match="penalty must be"):
        GANConfig(penalty="gradient")
