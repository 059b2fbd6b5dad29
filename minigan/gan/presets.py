"""Named recipes: the loss, penalty, critic steps and optimizers the papers trained with.

  name      loss            penalty             D steps  optimizers (G and D)
  wgan      wasserstein     clip D to +-0.01    5        RMSprop lr 5e-5             (Arjovsky et al. 2017)
  wgan-gp   wasserstein     gp, lambda 10       5        Adam 1e-4, betas (0.5, 0.9) (Gulrajani et al. 2017)
  r1        non-saturating  r1, gamma 10        1        Adam 1e-4, betas (0.0, 0.99) (Mescheder et al. 2018)

    config = preset_config("wgan-gp", batch_size=256, z_dim=2, seed=0)
    g_opt, d_opt = preset_optimizers("wgan-gp", G, D)          # lr=... overrides both
    GANTrainer(G, D, g_opt, d_opt, data, config)

Demos take a plain loss or a preset by one name (``--loss wgan-gp``) through ``recipe``:

    config, g_opt, d_opt = recipe("wgan-gp", G, D, batch_size=256, z_dim=2)       # the preset's everything
    config, g_opt, d_opt = recipe("non-saturating", G, D, lr_g=1e-3, lr_d=1e-3)   # Adam, betas (0.5, 0.999)

A penalty needs a critic that does not mix samples: no batch norm (LayerNorm instead).
"""
from ..losses import LOSSES
from ..optim import OPTIMIZERS, Adam
from .config import GANConfig

PRESETS = {
    "wgan": {"config": {"loss": "wasserstein", "clip": 0.01, "d_steps": 5},
             "optimizer": "rmsprop", "hyper": {"lr": 5e-5}},
    "wgan-gp": {"config": {"loss": "wasserstein", "penalty": "gp", "penalty_weight": 10.0, "d_steps": 5},
                "optimizer": "adam", "hyper": {"lr": 1e-4, "betas": (0.5, 0.9)}},
    "r1": {"config": {"loss": "non-saturating", "penalty": "r1", "penalty_weight": 10.0, "d_steps": 1},
           "optimizer": "adam", "hyper": {"lr": 1e-4, "betas": (0.0, 0.99)}},
}


def _preset(name):
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}: expected one of {', '.join(PRESETS)}") from None


def preset_config(name, **overrides):
    """A GANConfig with the preset's loss, penalty and critic steps; ``overrides`` win."""
    return GANConfig(**{**_preset(name)["config"], **overrides})


def preset_optimizers(name, G, D, **overrides):
    """(G's optimizer, D's optimizer) with the preset's rule and hyper-parameters; ``overrides`` win."""
    preset = _preset(name)
    hyper = {**preset["hyper"], **overrides}
    optimizer = OPTIMIZERS[preset["optimizer"]]
    return optimizer(G, **hyper), optimizer(D, **hyper)


RECIPES = tuple(LOSSES) + tuple(PRESETS)


def recipe(name, G, D, lr_g=None, lr_d=None, beta1=None, beta2=None, **config):
    """(GANConfig, G's optimizer, D's optimizer) for a loss name or a preset name.

    A loss (minimax, non-saturating, ...) trains with Adam, lr 2e-4 and betas (0.5, 0.999) unless
    given, one D step per G step unless ``config`` says otherwise. A preset (wgan, wgan-gp, r1)
    brings its loss, penalty, D steps, optimizer rule, learning rate and betas. Arguments given
    here (not None) override either.
    """
    config = {k: v for k, v in config.items() if v is not None}
    if name in PRESETS:
        optimizer, hyper = OPTIMIZERS[PRESETS[name]["optimizer"]], dict(PRESETS[name]["hyper"])
        config = {**PRESETS[name]["config"], **config}
    elif name in LOSSES:
        optimizer, hyper = Adam, {"lr": 2e-4, "betas": (0.5, 0.999)}
        config = {"loss": name, **config}
    else:
        raise ValueError(f"unknown loss or preset {name!r}: expected one of {', '.join(RECIPES)}")
    if "betas" in hyper:
        hyper["betas"] = (hyper["betas"][0] if beta1 is None else beta1, hyper["betas"][1] if beta2 is None else beta2)
    g_opt = optimizer(G, **{**hyper, "lr": hyper["lr"] if lr_g is None else lr_g})
    d_opt = optimizer(D, **{**hyper, "lr": hyper["lr"] if lr_d is None else lr_d})
    return GANConfig(**config), g_opt, d_opt
