import numpy as np
import pytest
from hypothesis import given

from minigan.backend import to_device, to_numpy
from minigan.nn import MinibatchStdDev
from minigan.nn.validation import LayerConfigError, LayerInputError
from tests.layer_contract import assert_layer_contract
from tests.strategies import minibatch_std_configs, normal, seeds


@given(minibatch_std_configs())
def test_minibatch_std_contract(device, cfg):
    """Every sample's extra map depends on its whole group: the check covers the cross-sample terms."""
    assert_layer_contract(MinibatchStdDev(cfg["group_size"]), normal(cfg["seed"], cfg["shape"]), device)


def reference(x, group_size, eps=1e-8):
    """The paper's statistic one group at a time: group m holds samples m, m + M, m + 2M, ..."""
    N = len(x)
    G = min(group_size, N)
    M = N // G
    extra = np.zeros((N, 1) + x.shape[2:])
    for m in range(M):
        members = x[m::M]                                     # (G, C, H, W)
        sd = np.sqrt(((members - members.mean(axis=0)) ** 2).mean(axis=0) + eps)
        extra[m::M] = sd.mean()
    return np.concatenate([x, extra], axis=1)


@given(minibatch_std_configs())
def test_forward_matches_group_by_group_definition(device, cfg):
    x = normal(cfg["seed"], cfg["shape"])
    y = to_numpy(MinibatchStdDev(cfg["group_size"]).forward(to_device(x, device)))
    np.testing.assert_allclose(y, reference(x, cfg["group_size"]), rtol=1e-12)


def test_matches_pytorch_autograd(rng):
    """The StyleGAN formulation written in torch, differentiated by autograd."""
    torch = pytest.importorskip("torch")
    from tests.torch_helpers import assert_close, crosscheck

    class TorchMinibatchStd(torch.nn.Module):
        def __init__(self, group_size):
            super().__init__()
            self.group_size = group_size

        def forward(self, x):
            N, C, H, W = x.shape
            G = min(self.group_size, N)
            y = x.reshape(G, -1, C, H, W)
            y = torch.sqrt(((y - y.mean(0)) ** 2).mean(0) + 1e-8).mean(dim=(1, 2, 3))
            return torch.cat([x, y.repeat(G).reshape(N, 1, 1, 1).expand(N, 1, H, W)], dim=1)

    for group_size, shape in ((4, (8, 3, 4, 4)), (4, (2, 2, 3, 3)), (3, (6, 1, 2, 5)), (1, (3, 2, 2, 2))):
        assert_close(crosscheck(MinibatchStdDev(group_size), TorchMinibatchStd(group_size),
                                rng.standard_normal(shape), rng))


@given(seeds)
def test_collapsed_batch_is_told_apart_from_a_diverse_one(seed):
    rng = np.random.default_rng(seed)
    layer = MinibatchStdDev(4)
    collapsed = np.tile(rng.standard_normal((1, 4, 3, 3)), (8, 1, 1, 1)) + 0.01 * rng.standard_normal((8, 4, 3, 3))
    diverse = rng.standard_normal((8, 4, 3, 3))
    assert layer.forward(collapsed)[:, 4].max() < 0.05 < 0.5 < layer.forward(diverse)[:, 4].min()


def test_rejects_wrong_inputs_and_arguments():
    with pytest.raises(LayerInputError, match="not a multiple of the group size 4"):
        MinibatchStdDev(4).forward(np.zeros((6, 2, 3, 3), np.float32))
    with pytest.raises(LayerInputError, match="4-dimensional"):
        MinibatchStdDev(4).forward(np.zeros((4, 3), np.float32))
    for bad in (dict(group_size=0), dict(group_size=2.5), dict(eps=0)):
        with pytest.raises(LayerConfigError):
            MinibatchStdDev(**bad)


def test_needs_input_grad_false_returns_none(rng):
    layer = MinibatchStdDev(2)
    y = layer.forward(rng.standard_normal((4, 2, 3, 3)).astype(np.float32))
    layer.needs_input_grad = False
    assert layer.backward(np.ones_like(y)) is None
