"""The GAN trainer: the game between a generator and a discriminator, and its stabilisers."""
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .config import GANConfig
from .history import History
from .stabilisers import ReplayBuffer
from .trainer import GANTrainer, config_from_checkpoint

__all__ = ["GANTrainer", "GANConfig", "History", "ReplayBuffer", "CheckpointError", "save_checkpoint",
           "load_checkpoint", "config_from_checkpoint"]
