"""The GAN-step fixtures are what minigan's trainer does: reproduced here by GANTrainer itself and
by the same step written out with forward/backward calls, as the trainer's docstring describes."""
import json

import numpy as np
import pytest

from minigan import nn
from minigan.gan import GANConfig, GANTrainer
from minigan.losses import NonSaturating
from minigan.optim import Adam
from minigan.reference.adapters import build_layer
from minigan.reference.archive import read_npz

NAMES = ["gan_step/mlp-batchnorm-non-saturating-adam", "gan_step/dcgan-conv-batchnorm-non-saturating-adam"]
ADAM = dict(lr=2e-4, betas=(0.5, 0.999))


@pytest.fixture(scope="module", params=NAMES)
def case(request, fixtures):
    entry = next(c for c in json.loads((fixtures / "manifest.json").read_text())["cases"] if c["name"] == request.param)
    return entry["config"], read_npz(fixtures / entry["file"])


def build(config, arrays):
    G = nn.Sequential(*(build_layer(kind, args) for kind, args in config["G"]))
    D = nn.Sequential(*(build_layer(kind, args) for kind, args in config["D"]))
    for prefix, model in (("G", G), ("D", D)):
        for key, value in arrays.items():
            if key.startswith(f"weights/{prefix}."):
                name = key[len("weights/G."):]
                (model.params if name in model.params else model.buffers)[name] = value.copy()
    return G, D


def weights(G, D):
    return {f"{p}.{k}": np.array(v) for p, m in (("G", G), ("D", D))
            for store in (m.params, m.buffers) for k, v in store.items()}


def expected_of(arrays, stage):
    return {k[len(f"expected/{stage}/"):]: v for k, v in arrays.items() if k.startswith(f"expected/{stage}/")}


def assert_close(actual, expected, stage):
    assert sorted(actual) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(actual[name], value, rtol=1e-12, atol=0, err_msg=f"{stage}/{name}")


def test_the_trainer_reproduces_the_fixture(case):
    config, arrays = case
    G, D = build(config, arrays)
    assert config["optimizer"]["hyper"] == {**ADAM, "betas": [0.5, 0.999], "eps": 1e-8, "weight_decay": 0.0}

    class Real:
        def sample(self, n, rng):
            return arrays["real"]
    trainer = GANTrainer(G, D, Adam(G, **ADAM), Adam(D, **ADAM), Real(),
                         GANConfig(loss="non-saturating", batch_size=len(arrays["real"]), z_dim=4, g_fresh_noise=False))
    noise = iter([arrays["noise"]])                  # drawn once: the G step reuses the D step's fake
    trainer.noise = lambda n: next(noise)
    trainer.discriminator_step()
    assert_close(weights(G, D), expected_of(arrays, "after_d"), "after_d")
    assert_close({f"D.{k}": v for k, v in D.grads.items()}, expected_of(arrays, "grad_d"), "grad_d")
    trainer.generator_step()
    assert_close(weights(G, D), expected_of(arrays, "after_g"), "after_g")
    assert_close({f"G.{k}": v for k, v in G.grads.items()}, expected_of(arrays, "grad_g"), "grad_g")


def test_the_step_written_out_by_hand_reproduces_the_fixture(case):
    config, arrays = case
    G, D = build(config, arrays)
    opt_G, opt_D = Adam(G, **ADAM), Adam(D, **ADAM)
    loss = NonSaturating()
    # D step: real and fake through D as two batches, gradients add up; G only runs forward
    fake = G.forward(arrays["noise"])
    np.testing.assert_array_equal(fake, arrays["expected/fake"])
    D.zero_grad()
    real_loss, dreal = loss.discriminator_real(D.forward(arrays["real"]))
    D.backward(dreal)
    fake_loss, dfake = loss.discriminator_fake(D.forward(fake))
    D.backward(dfake)
    assert real_loss + fake_loss == pytest.approx(float(arrays["expected/d_loss"]), rel=1e-14)
    opt_D.step()
    assert_close(weights(G, D), expected_of(arrays, "after_d"), "after_d")
    # G step: the same fake through the updated D, D's weights untouched; G's caches still
    # hold the forward pass that made the fake, and G's weights have not changed since
    G.zero_grad()
    D.requires_grad_(False)
    g_loss, dlogits = loss.generator(D.forward(fake))
    G.backward(D.backward(dlogits))
    assert g_loss == pytest.approx(float(arrays["expected/g_loss"]), rel=1e-14)
    opt_G.step()
    assert_close(weights(G, D), expected_of(arrays, "after_g"), "after_g")


def test_each_step_moves_only_its_own_network(case):
    _, arrays = case
    before = {k[len("weights/"):]: v for k, v in arrays.items() if k.startswith("weights/")}
    after_d, after_g = expected_of(arrays, "after_d"), expected_of(arrays, "after_g")
    for name in before:
        moved_in_d = not np.array_equal(before[name], after_d[name])
        moved_in_g = not np.array_equal(after_d[name], after_g[name])
        running, in_G = "running" in name, name.startswith("G.")
        # batch-norm statistics move where their network runs forward in training mode: G's in
        # the D step only (G runs once), D's in both steps (D sees the fake again in the G step)
        assert moved_in_d == (not in_G or running), name
        assert moved_in_g == (in_G != running), name


def test_the_dcgan_step_has_convolutions_and_batch_norm_in_both_networks(fixtures):
    manifest = json.loads((fixtures / "manifest.json").read_text())
    config = next(c for c in manifest["cases"] if c["name"] == NAMES[1])["config"]
    for net in ("G", "D"):
        kinds = {kind for kind, _ in config[net]}
        assert kinds & {"Conv2d", "ConvTranspose2d"} and kinds & {"BatchNorm1d", "BatchNorm2d"}, net
