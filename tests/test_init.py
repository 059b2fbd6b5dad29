import numpy as np

from minigan import init, nn


def dcgan_like():
    return nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.Flatten(), nn.Dense(64 * 14 * 14, 1),
                         nn.ConvTranspose2d(64, 32, 4, 2, 1))


def test_dcgan_init_statistics():
    model = init.dcgan(dcgan_like(), rng=0)
    w = np.concatenate([model.params[k].ravel() for k in ("0.weight", "3.weight", "4.weight")])
    assert abs(w.mean()) < 1e-3 and abs(w.std() - 0.02) < 1e-3
    bn = model.params["1.weight"]
    assert abs(bn.mean() - 1) < 0.01 and 0.01 < bn.std() < 0.03
    for k in ("0.bias", "1.bias", "3.bias", "4.bias"):
        assert not model.params[k].any()
    assert all(v.dtype == np.float32 for v in model.params.values())


def test_dcgan_init_is_reproducible():
    a, b = init.dcgan(dcgan_like(), rng=3), init.dcgan(dcgan_like(), rng=3)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


def test_pytorch_default_bounds_use_pytorch_fan_in():
    tconv = nn.ConvTranspose2d(128, 8, 4)           # PyTorch's fan_in here is weight.shape[1]*16 = 128
    init.pytorch_default(tconv, rng=0)
    assert init.fan_in(tconv) == 8 * 16
    assert np.abs(tconv.params["weight"]).max() <= 1 / np.sqrt(128)
    assert np.abs(tconv.params["weight"]).max() > 0.9 / np.sqrt(128)
