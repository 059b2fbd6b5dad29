"""Ready-made models built from ``minigan.nn`` layers: toy MLPs here; the image models
in ``minigan.models.dcgan``, ``minigan.models.mlp`` and ``minigan.models.classifier``."""
from .toy import feature_layer, generate, in_eval_mode, toy_discriminator, toy_generator

__all__ = ["toy_generator", "toy_discriminator", "feature_layer", "generate", "in_eval_mode"]
