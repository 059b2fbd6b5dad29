"""The PyTorch twins of minigan's Fashion networks, for the benchmarks (never for the library).

    G, D = torch_dcgan(torch)            # minigan.models.dcgan at width 64, DCGAN's initialisation
    G, D = torch_mlp(torch)              # minigan.models.mlp's layer sizes, PyTorch's own initialisation

Layer indices match minigan's Sequentials, so parameter names match ("0.weight", "1.running_mean").
torch is passed in: the scripts set their thread counts before importing it.
"""


def torch_dcgan(torch, z_dim=100, width=64):
    """G: z -> Linear -> BN1d -> ReLU -> (2w, 7, 7) -> ConvT(2w, w) -> BN2d -> ReLU -> ConvT(w, 1) -> Tanh;
    D: Conv(1, w) -> LReLU(0.2) -> Conv(w, 2w) -> BN2d -> LReLU(0.2) -> Flatten -> Linear(2w*49, 1).
    Weights N(0, 0.02), batch-norm scales N(1, 0.02), biases and shifts 0 (minigan.init.dcgan)."""
    tnn = torch.nn
    G = tnn.Sequential(tnn.Linear(z_dim, 2 * width * 49, bias=False), tnn.BatchNorm1d(2 * width * 49), tnn.ReLU(),
                       tnn.Unflatten(1, (2 * width, 7, 7)),
                       tnn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False), tnn.BatchNorm2d(width), tnn.ReLU(),
                       tnn.ConvTranspose2d(width, 1, 4, 2, 1), tnn.Tanh())
    D = tnn.Sequential(tnn.Conv2d(1, width, 4, 2, 1), tnn.LeakyReLU(0.2),
                       tnn.Conv2d(width, 2 * width, 4, 2, 1, bias=False), tnn.BatchNorm2d(2 * width),
                       tnn.LeakyReLU(0.2), tnn.Flatten(), tnn.Linear(2 * width * 49, 1))
    for m in list(G.modules()) + list(D.modules()):
        if isinstance(m, (tnn.Linear, tnn.Conv2d, tnn.ConvTranspose2d)):
            tnn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                tnn.init.zeros_(m.bias)
        elif isinstance(m, (tnn.BatchNorm1d, tnn.BatchNorm2d)):
            tnn.init.normal_(m.weight, 1.0, 0.02)
            tnn.init.zeros_(m.bias)
    return G, D


def torch_mlp(torch, z_dim=100):
    """G: z -> 256 -> 512 -> 1024 -> 784 (LReLU 0.2, Tanh) -> (1, 28, 28); D: 784 -> 512 -> 256 -> 1."""
    tnn = torch.nn
    G = tnn.Sequential(tnn.Linear(z_dim, 256), tnn.LeakyReLU(0.2), tnn.Linear(256, 512), tnn.LeakyReLU(0.2),
                       tnn.Linear(512, 1024), tnn.LeakyReLU(0.2), tnn.Linear(1024, 784), tnn.Tanh(),
                       tnn.Unflatten(1, (1, 28, 28)))
    D = tnn.Sequential(tnn.Flatten(), tnn.Linear(784, 512), tnn.LeakyReLU(0.2), tnn.Linear(512, 256),
                       tnn.LeakyReLU(0.2), tnn.Linear(256, 1))
    return G, D
