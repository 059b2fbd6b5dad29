"""Named recipes: the loss, penalty, critic steps and optimizers the papers trained with.

  name      loss            penalty             D steps  optimizers (G and D)
  wgan      wasserstein     clip D to +-0.01    5        RMSprop lr 5e-5             (Arjovsky et al. 2017)
  wgan-gp   wasserstein     gp, lambda 10       5        Adam 1e-4, betas (0.5, 0.9) (Gulrajani et al. 2017)
  r1        non-saturating  r1, gamma 10        1        Adam 1e-4, betas (0.0, 0.99) (Mescheder et al. 2018)

    config = preset_config("wgan-gp", batch_size=256, z_dim=2, seed=0)
    g_opt, d_opt = preset_optimizers("wgan-gp", G, D)          # lr=... overrides both
    GANTrainer(G, D, g_opt, d_opt, data, config)

A penalty needs a critic that does not mix samples: no batch norm (LayerNorm instead).
"""
from ..optim import OPTIMIZERS
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
