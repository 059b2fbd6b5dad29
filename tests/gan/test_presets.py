import pytest

from minigan.gan.presets import PRESETS, recipe
from minigan.losses import LOSSES
from minigan.models import toy_discriminator, toy_generator


@pytest.fixture
def models():
    return toy_generator(2, 2, hidden=8, depth=1, rng=0), toy_discriminator(2, hidden=8, depth=1, rng=1)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_a_loss_trains_with_adam_and_the_given_rates(models, name):
    config, g_opt, d_opt = recipe(name, *models, lr_g=1e-3, lr_d=4e-3, beta1=0.0, d_steps=2, batch_size=16)
    assert config.loss == name and config.d_steps == 2 and config.batch_size == 16 and config.penalty is None
    assert type(g_opt).__name__ == type(d_opt).__name__ == "Adam"
    assert (g_opt.hyper["lr"], d_opt.hyper["lr"]) == (1e-3, 4e-3)
    assert g_opt.hyper["betas"] == (0.0, 0.999)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_a_preset_brings_its_recipe_and_arguments_override_it(models, name):
    preset = PRESETS[name]
    config, g_opt, d_opt = recipe(name, *models, d_steps=None, penalty_weight=None)
    for key, value in preset["config"].items():
        assert getattr(config, key) == value
    assert type(g_opt).__name__.lower() == preset["optimizer"]
    assert g_opt.hyper["lr"] == d_opt.hyper["lr"] == preset["hyper"]["lr"]
    config, g_opt, d_opt = recipe(name, *models, lr_d=1e-2, d_steps=3)
    assert config.d_steps == 3 and d_opt.hyper["lr"] == 1e-2 and g_opt.hyper["lr"] == preset["hyper"]["lr"]


def test_beta1_overrides_only_beta1_of_a_preset(models):
    _, g_opt, _ = recipe("wgan-gp", *models, beta1=0.0)
    assert g_opt.hyper["betas"] == (0.0, PRESETS["wgan-gp"]["hyper"]["betas"][1])


def test_unknown_name(models):
    with pytest.raises(ValueError, match="unknown loss or preset 'wgan-lp'"):
        recipe("wgan-lp", *models)
