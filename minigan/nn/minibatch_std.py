"""Minibatch standard deviation (Karras et al. 2018, "Progressive Growing of GANs", 3)."""
from ..backend import get_array_module
from .module import Module
from .validation import LayerInputError, require


class MinibatchStdDev(Module):
    """Appends one feature map: how much the samples of a group differ, averaged over features.

    The batch is split into groups of G samples; sample n = g M + m (M = N / G groups) belongs
    to group m, as in the paper's code. Per group m, per feature (c, h, w), over its G members:

        mu = mean_g x,   var = mean_g (x - mu)^2,   sd = sqrt(var + eps)      (M, C, H, W)
        s_m = mean over (c, h, w) of sd                                       (M,)
        y = concat([x, s_{n mod M} as a constant H x W map], axis=1)         (N, C + 1, H, W)

    A collapsed generator makes s ~ 0 on fakes while reals keep it large, so a discriminator
    with this feature in its last block can tell the two batches apart and push G to vary.
    G = min(group_size, N), and N must be a multiple of G.

    Backward, with ds_m = sum of dy[n, C] over group m's members and pixels:
        dx = dy[:, :C] + ds_m / (C H W) * (x - mu) / (G sd)       (the mu term sums to zero)
    Group of one: var = 0, sd = sqrt(eps), x - mu = 0: the map is constant and its gradient 0.
    """

    input_ndims = (4,)

    def __init__(self, group_size=4, eps=1e-8):
        super().__init__()
        require(isinstance(group_size, int) and group_size >= 1, "MinibatchStdDev",
                f"group_size must be a positive integer, got {group_size!r}")
        require(eps > 0, "MinibatchStdDev", f"eps must be positive, got {eps!r}")
        self.group_size, self.eps = group_size, eps

    def output_shape(self, input_shape):
        N, C, H, W = input_shape
        G = min(self.group_size, N)
        if N % G:
            raise LayerInputError(self, f"batch of {N} is not a multiple of the group size {G} "
                                        f"(input shape {tuple(input_shape)})")
        return (N, C + 1, H, W)

    def forward(self, x):
        self.check_input(x)
        xp = get_array_module(x)
        N, C, H, W = x.shape
        G = min(self.group_size, N)
        groups = x.reshape(G, N // G, C, H, W)                   # [g, m] is sample g M + m
        self.centred = groups - groups.mean(axis=0)              # x - mu, (G, M, C, H, W)
        eps = max(self.eps, float(xp.finfo(x.dtype).tiny))        # 1e-8 would round to 0 in float16
        self.sd = xp.sqrt((self.centred * self.centred).mean(axis=0) + eps)      # (M, C, H, W)
        s = self.sd.mean(axis=(1, 2, 3))                         # (M,)
        feature = xp.broadcast_to(xp.tile(s, G)[:, None, None, None], (N, 1, H, W))
        return xp.concatenate([x, feature.astype(x.dtype, copy=False)], axis=1)

    def backward(self, dy):
        self.check_grad(dy)
        if not self.needs_input_grad:
            return None
        N, C, H, W = self.input_shape
        G = self.centred.shape[0]
        ds = dy[:, C].sum(axis=(1, 2)).reshape(G, N // G).sum(axis=0)     # (M,)
        dsd = ds[:, None, None, None] / (C * H * W)                       # (M, 1, 1, 1)
        dx_std = dsd * self.centred / (G * self.sd)                        # (G, M, C, H, W)
        return dy[:, :C] + dx_std.reshape(N, C, H, W)

    def extra_repr(self):
        return f"group_size={self.group_size}"
