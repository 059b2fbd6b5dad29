"""The GAN-step fixture is what minigan's trainer does: reproduced here by GANTrainer itself and
by the same step written out with forward/backward calls, as the trainer's docstring describes."""
import json

import numpy as np
import pytest

from minigan import nn
from minigan.gan import GANConfig, GANTrainer
from minigan.losses import NonSaturating
from minigan.optim import Adam
from minigan.reference.adapters import build_layer, load_state
from minigan.reference.archive import read_npz

NAME = "gan_step/mlp-batchnorm-non-saturating-adam"


@pytest.fixture(scope="module")
def case(fixtures):
    entry = next(c for c in json.loads((fixtures / "manifest.json").read_text())["cases"] if c["name"] == NAME)
    return entry["config"], read_npz(fixtures / entry["file"])


def build(config, arrays):
    G = nn.Sequential(*(build_layer(kind, args) for kind, args in config["G"]))
    D = nn.Sequential(*(build_layer(kind, args) for kind, args in config["D"]))
    for prefix, model in (("G", G), ("D", D)):
        load_state(model, {k[len("weights/G."):]: v for k, v in arrays.items() if k.startswith(f"weights/{prefix}.")})
    return G, D


def weights(G, D):
    return {f"{p}.{k}": np.array(v) for p, m in (("G", G), ("D", D)) for s in (m.params, m.buffers) for k, v in s.items()}


def assert_weights(actual, arrays, stage):
    expected = {k[len(f"expected/{stage}/"):]: v for k, v in arrays.items() if k.startswith(f"expected/{stage}/")}
    assert sorted(actual) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(actual[name], value, rtol=1e-12, atol=0, err_msg=f"{stage}/{name}")


def test_the_trainer_reproduces_the_fixture(case):
    config, arrays = case
    G, D = build(config, arrays)
    hyper = dict(lr=2e-4, betas=(0.5, 0.999))
    assert config["optimizer"]["hyper"] == {**hyper, "betas": [0.5, 0.999], "eps": 1e-8, "weight_decay": 0.0}

    class Real:
        def sample(self, n, rng):
            return arrays["real"]
    trainer = GANTrainer(G, D, Adam(G, **hyper), Adam(D, **hyper), Real(),
                         GANConfig(loss="non-saturating", batch_size=8, z_dim=4, g_fresh_noise=False))
    noise = iter([arrays["noise"]])                  # drawn once: the G step reuses the D step's fake
    trainer.noise = lambda n: next(noise)
    trainer.discriminator_step()
    assert_weights(weights(G, D), arrays, "after_d")
    trainer.generator_step()
    assert_weights(weights(G, D), arrays, "after_g")


def test_the_step_written_out_by_hand_reproduces_the_fixture(case):
    config, arrays = case
    G, D = build(config, arrays)
    opt_G, opt_D = Adam(G, lr=2e-4, betas=(0.5, 0.999)), Adam(D, lr=2e-4, betas=(0.5, 0.999))
    loss = NonSaturating()
    # D step: real and fake through D as two batches, gradients add up; G only runs forward
    fake = G.forward(arrays["noise"])
    D.zero_grad()
    D.backward(loss.discriminator_real(D.forward(arrays["real"]))[1])
    D.backward(loss.discriminator_fake(D.forward(fake))[1])
    opt_D.step()
    assert_weights(weights(G, D), arrays, "after_d")
    # G step: the same fake through the updated D, D's weights untouched; G's caches still
    # hold the forward pass that made the fake, and G's weights have not changed since
    G.zero_grad()
    D.requires_grad_(False)
    G.backward(D.backward(loss.generator(D.forward(fake))[1]))
    opt_G.step()
    assert_weights(weights(G, D), arrays, "after_g")


def test_each_step_moves_only_its_own_network(case):
    _, arrays = case
    before = {k[len("weights/"):]: v for k, v in arrays.items() if k.startswith("weights/")}
    after_d = {k[len("expected/after_d/"):]: v for k, v in arrays.items() if k.startswith("expected/after_d/")}
    after_g = {k[len("expected/after_g/"):]: v for k, v in arrays.items() if k.startswith("expected/after_g/")}
    for name in before:
        moved_in_d = not np.array_equal(before[name], after_d[name])
        moved_in_g = not np.array_equal(after_d[name], after_g[name])
        running = "running" in name                     # G's batch norm statistics move when G runs forward
        assert moved_in_d == (name.startswith("D.") or running), name
        assert moved_in_g == (name.startswith("G.") and not running), name
