"""Small GANs on toy data and on images for trainer tests."""
import numpy as np

from minigan import nn, optim
from minigan.data.batches import EpochSampler
from minigan.data.toy import get_toy
from minigan.gan import GANConfig, GANTrainer
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator


def toy_trainer(seed=0, dataset="ring", hidden=32, lr=2e-3, dropout=False, **config):
    toy = get_toy(dataset)
    z_dim = config.pop("z_dim", 4)
    G = nn.Sequential(nn.Dense(z_dim, hidden, rng=seed), nn.BatchNorm1d(hidden), nn.ReLU(),
                      nn.Dense(hidden, toy.dim, rng=seed + 1))
    layers = [nn.Dense(toy.dim, hidden, rng=seed + 2), nn.LeakyReLU(0.2)]
    if dropout:
        layers.append(nn.Dropout(0.2, rng=seed + 3))
    D = nn.Sequential(*layers, nn.Dense(hidden, hidden, rng=seed + 4), nn.LeakyReLU(0.2),
                      nn.Dense(hidden, 1, rng=seed + 5))
    cfg = GANConfig(z_dim=z_dim, seed=seed, **{"batch_size": 64, **config})
    return GANTrainer(G, D, optim.Adam(G, lr=lr, betas=(0.5, 0.999)), optim.Adam(D, lr=lr, betas=(0.5, 0.999)),
                      toy, cfg)


def snapshot(trainer):
    return {f"{p}/{k}": v.copy() for p, m in (("G", trainer.G), ("D", trainer.D)) for k, v in m.state_dict().items()}


def image_trainer(seed=0, n=64, z_dim=8, **config):
    """A DCGAN of width 4 on n random 28 x 28 images in [-1, 1]."""
    rng = np.random.default_rng(seed)
    G, D = dcgan_generator(z_dim, width=4, rng=rng), dcgan_discriminator(width=4, rng=rng)
    x = np.random.default_rng(99).uniform(-1, 1, (n, 1, 28, 28)).astype(np.float32)
    adam = dict(lr=2e-4, betas=(0.5, 0.999))
    return GANTrainer(G, D, optim.Adam(G, **adam), optim.Adam(D, **adam), EpochSampler(x),
                      GANConfig(batch_size=16, z_dim=z_dim, seed=seed, **config))
