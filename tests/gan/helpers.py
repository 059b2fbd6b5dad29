"""Small GANs on toy data for trainer tests."""
from minigan import nn, optim
from minigan.data.toy import get_toy
from minigan.gan import GANConfig, GANTrainer


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
