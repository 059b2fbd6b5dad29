"""Progressive growing (Karras et al. 2018) for 28 x 28 images: 7 x 7, then 14 x 14, then 28 x 28.

    growth = ProgressiveGAN(z_dim=128, widths=(64, 32, 16), rng=0)
    G, D = growth.generator(level=1, alpha=0.3), growth.discriminator(level=1, alpha=0.3)

Level L works at 7 * 2^L pixels. The blocks are built once and shared: the networks of each
phase are Sequentials put together from them, so a block's weights carry on from phase to
phase. While level L fades in (alpha rising from 0 to 1):

    G: z -> block_0 .. block_{L-1} -> FadeIn(old: toRGB_{L-1}, Upsample2d(2);
                                             new: block_L, toRGB_L)  -> Tanh
    D: x -> FadeIn(old: AvgPool2d(2), fromRGB_{L-1};  new: fromRGB_L, block_L)
         -> block_{L-1} .. block_0 -> logit

    G block_0:  PixelNorm(z), Dense(z, w0*49), LReLU, Reshape(w0, 7, 7), PixelNorm,
                Conv3x3(w0, w0), LReLU, PixelNorm                                       (N, w0, 7, 7)
    G block_L:  ConvTranspose2d(w_{L-1}, w_L, 4, 2, 1), LReLU, PixelNorm    doubles the size
    toRGB_L:    Conv1x1(w_L, 1)
    fromRGB_L:  Conv1x1(1, w_L), LReLU
    D block_L:  Conv2d(w_L, w_{L-1}, 4, 2, 1), LReLU                         halves the size
    D block_0:  MinibatchStdDev(4), Conv3x3(w0 + 1, w0), LReLU, Flatten, Dense(w0*49, 1)

The blocks change size with DCGAN's 4x4 stride-2 (transposed) convolutions rather than the
paper's nearest upsampling or average pooling beside 3x3 convolutions at the larger size: on
the 2-core CPU those made a 28 x 28 step 3 times the DCGAN's (widths 64/32/16) to 10 times
(128/64/32). Upsample2d and AvgPool2d carry the old path of each fade.

Every weight uses the equalised learning rate: stored N(0, 1), scaled at run time by He's
constant sqrt(2 / fan_in) (Dense and Conv2d by their ``equalized_lr`` option; the transposed
convolution by ``Scale`` in front of it, its fan-in being w_{L-1} * (4/2)^2 taps per output
pixel). No batch norm: PixelNorm in G, minibatch standard deviation in D.

``style="dcgan"`` grows the DCGAN of minigan.models.dcgan instead (widths (128, 64, 1): the last
width is the image's channels), so its 28 x 28 networks are exactly the 10-epoch DCGAN's plus
the minibatch standard deviation in front of D's last layer:

    G block_0:  Dense(z, w0*49), BatchNorm1d, ReLU, Reshape(w0, 7, 7)
    G block_L:  ConvTranspose2d(w_{L-1}, w_L, 4, 2, 1), BatchNorm2d, ReLU     (the last: no norm,
                no ReLU; its output is the image, so its toRGB is the identity)
    toRGB_L:    Conv1x1(w_L, channels)
    fromRGB_L:  Conv1x1(channels, w_L), LReLU                                 (the last: identity)
    D block_L:  Conv2d(w_L, w_{L-1}, 4, 2, 1), BatchNorm2d, LReLU             (the last: no norm)
    D block_0:  MinibatchStdDev(4), Flatten, Dense((w0 + 1)*49, 1)

with DCGAN's N(0, 0.02) weights (minigan.init.dcgan) and no equalised learning rate.
``GrowthSchedule`` says which phase (level, alpha) a training step is in.
"""
import math
from dataclasses import dataclass

import numpy as np

from ..init import dcgan
from ..nn import (AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, ConvTranspose2d, Dense, FadeIn, Flatten, LeakyReLU,
                  MinibatchStdDev, PixelNorm, ReLU, Reshape, Scale, Sequential, Tanh, Upsample2d)
from ..nn.module import as_generator

BASE = 7                      # the first level's size: 28 = 7 * 2^2


def equalized_conv_transpose(in_channels, out_channels, rng, dtype="float32"):
    """Scale(sqrt(2 / fan_in)) then ConvTranspose2d(in, out, 4, 2, 1) with weights N(0, 1), bias 0;
    fan_in = in_channels * 4: each output pixel of a 4x4 stride-2 kernel sees 2x2 taps per channel."""
    conv = ConvTranspose2d(in_channels, out_channels, 4, 2, 1, rng=rng, dtype=dtype)
    conv.params["weight"] = rng.standard_normal(conv.params["weight"].shape).astype(dtype)
    conv.params["bias"] = np.zeros(out_channels, dtype=dtype)
    conv.zero_grad()
    return Sequential(Scale(math.sqrt(2.0 / (in_channels * 4))), conv)


def karras_blocks(z_dim, w, channels, group_size, rng, dtype):
    """G's blocks, toRGBs, D's fromRGBs and blocks of Karras et al.'s style (module docstring)."""
    eq = dict(rng=rng, dtype=dtype, equalized_lr=True)
    g_blocks = [Sequential(PixelNorm(), Dense(z_dim, w[0] * BASE * BASE, **eq), LeakyReLU(0.2),
                           Reshape(w[0], BASE, BASE), PixelNorm(),
                           Conv2d(w[0], w[0], 3, padding=1, **eq), LeakyReLU(0.2), PixelNorm())]
    g_blocks += [Sequential(equalized_conv_transpose(w[L - 1], w[L], rng, dtype), LeakyReLU(0.2), PixelNorm())
                 for L in range(1, len(w))]
    to_rgb = [Conv2d(w[L], channels, 1, **eq) for L in range(len(w))]
    from_rgb = [Sequential(Conv2d(channels, w[L], 1, **eq), LeakyReLU(0.2)) for L in range(len(w))]
    d_blocks = [Sequential(MinibatchStdDev(group_size), Conv2d(w[0] + 1, w[0], 3, padding=1, **eq),
                           LeakyReLU(0.2), Flatten(), Dense(w[0] * BASE * BASE, 1, **eq))]
    d_blocks += [Sequential(Conv2d(w[L], w[L - 1], 4, 2, 1, **eq), LeakyReLU(0.2)) for L in range(1, len(w))]
    return g_blocks, to_rgb, from_rgb, d_blocks


def dcgan_blocks(z_dim, w, channels, group_size, rng, dtype):
    """The same four lists for the DCGAN style (module docstring): the last level's block makes
    (or takes) the image itself, so its toRGB and fromRGB are empty Sequentials (the identity)."""
    top, kw = len(w) - 1, dict(rng=rng, dtype=dtype)
    g_blocks = [Sequential(Dense(z_dim, w[0] * BASE * BASE, bias=False, **kw),
                           BatchNorm1d(w[0] * BASE * BASE, dtype=dtype), ReLU(), Reshape(w[0], BASE, BASE))]
    g_blocks += [Sequential(ConvTranspose2d(w[L - 1], w[L], 4, 2, 1, bias=False, **kw),
                            BatchNorm2d(w[L], dtype=dtype), ReLU()) for L in range(1, top)]
    g_blocks.append(Sequential(ConvTranspose2d(w[top - 1], channels, 4, 2, 1, **kw)))
    to_rgb = [Conv2d(w[L], channels, 1, **kw) for L in range(top)] + [Sequential()]
    from_rgb = [Sequential(Conv2d(channels, w[L], 1, **kw), LeakyReLU(0.2)) for L in range(top)] + [Sequential()]
    d_blocks = [Sequential(MinibatchStdDev(group_size), Flatten(), Dense((w[0] + 1) * BASE * BASE, 1, **kw))]
    d_blocks += [Sequential(Conv2d(w[L], w[L - 1], 4, 2, 1, bias=False, **kw), BatchNorm2d(w[L - 1], dtype=dtype),
                            LeakyReLU(0.2)) for L in range(1, top)]
    d_blocks.append(Sequential(Conv2d(channels, w[top - 1], 4, 2, 1, **kw), LeakyReLU(0.2)))
    for block in g_blocks + to_rgb + from_rgb + d_blocks:
        dcgan(block, rng)
    return g_blocks, to_rgb, from_rgb, d_blocks


STYLES = {"karras": karras_blocks, "dcgan": dcgan_blocks}


class ProgressiveGAN:
    """The blocks of a growing generator and discriminator, and the networks of each phase.

    widths[L] is the channel count at level L (7 * 2^L pixels); levels = len(widths).
    style: "karras" or "dcgan" (module docstring); the dcgan style's last width must equal
    ``channels`` (its last block makes the image), e.g. widths=(128, 64, 1).
    ``parts()`` names every block ("G.block1", "D.from_rgb2"), the names checkpoints and the
    generator's weight average use.
    """

    def __init__(self, z_dim=128, widths=(64, 32, 16), channels=1, group_size=4, rng=None, dtype="float32",
                 style="karras"):
        if style not in STYLES:
            raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
        if len(widths) < 2 or min(widths) < 1:
            raise ValueError(f"widths needs at least two positive channel counts, got {widths!r}")
        if style == "dcgan" and widths[-1] != channels:
            raise ValueError(f"the dcgan style's last width is the image's channels ({channels}), got {widths!r}")
        self.z_dim, self.widths, self.channels, self.style = z_dim, tuple(widths), channels, style
        blocks = STYLES[style](z_dim, self.widths, channels, group_size, as_generator(rng), dtype)
        self.g_blocks, self.to_rgb, self.from_rgb, self.d_blocks = blocks

    @property
    def levels(self):
        return len(self.widths)

    def size(self, level):
        return BASE * 2 ** level

    def generator(self, level, alpha=None):
        """G of a phase: (N, z_dim) -> (N, channels, 7*2^level, 7*2^level) in [-1, 1]; with alpha,
        level ``level`` is fading in over level - 1."""
        self._check(level, alpha)
        if alpha is None:
            return Sequential(*self.g_blocks[:level + 1], self.to_rgb[level], Tanh())
        fade = FadeIn(Sequential(self.to_rgb[level - 1], Upsample2d(2)),
                      Sequential(self.g_blocks[level], self.to_rgb[level]), alpha)
        return Sequential(*self.g_blocks[:level], fade, Tanh())

    def discriminator(self, level, alpha=None):
        """D of a phase: (N, channels, 7*2^level, 7*2^level) -> (N, 1) logits; mirrors ``generator``."""
        self._check(level, alpha)
        lower = self.d_blocks[level - 1::-1] if level else []
        if alpha is None:
            return Sequential(self.from_rgb[level], *self.d_blocks[level:0:-1], self.d_blocks[0])
        fade = FadeIn(Sequential(AvgPool2d(2), self.from_rgb[level - 1]),
                      Sequential(self.from_rgb[level], self.d_blocks[level]), alpha)
        return Sequential(fade, *lower)

    def parts(self):
        """name -> block, for every block of both networks."""
        named = {}
        for L in range(self.levels):
            named[f"G.block{L}"], named[f"G.to_rgb{L}"] = self.g_blocks[L], self.to_rgb[L]
            named[f"D.from_rgb{L}"], named[f"D.block{L}"] = self.from_rgb[L], self.d_blocks[L]
        return named

    def generator_parts(self, level, fade=False):
        """The names of G's blocks in the generator of a phase at ``level`` (fading in or not)."""
        names = [f"G.block{L}" for L in range(level + 1)] + [f"G.to_rgb{level}"]
        return names + [f"G.to_rgb{level - 1}"] if fade else names

    def _check(self, level, alpha):
        if not (isinstance(level, int) and 0 <= level < self.levels):
            raise ValueError(f"level must be an integer in [0, {self.levels - 1}], got {level!r}")
        if alpha is not None and level == 0:
            raise ValueError("level 0 has nothing to fade in over")


@dataclass(frozen=True)
class Phase:
    level: int
    fade: bool               # alpha rises 0 -> 1 over the phase; else the level trains alone
    images: int              # real images shown to D during the phase
    start: int               # first step of the phase is start + 1
    steps: int

    @property
    def end(self):
        return self.start + self.steps

    @property
    def name(self):
        return f"{'fade' if self.fade else 'stable'}_{BASE * 2 ** self.level}"

    def alpha(self, step):
        """alpha for the training step ``step`` (1-based; start < step <= end): rising linearly
        from 1/steps to 1 over a fade, None in a stable phase."""
        return min(1.0, (step - self.start) / self.steps) if self.fade else None


class GrowthSchedule:
    """Phases in order: level 0 stable, then for each level a fade and a stable phase.

    images: {"stable_7": 60000, "fade_14": 60000, ...}, or a list of (level, fade, images);
    each phase's steps = images // batch_size (at least 1).
    """

    DEFAULT_SHARES = (("stable_7", 0.1), ("fade_14", 0.1), ("stable_14", 0.15), ("fade_28", 0.15),
                      ("stable_28", 0.5))

    def __init__(self, phases, batch_size):
        self.batch_size, self.phases, start = batch_size, [], 0
        for level, fade, images in phases:
            steps = max(1, images // batch_size)
            self.phases.append(Phase(level, fade, images, start, steps))
            start += steps

    @classmethod
    def from_total(cls, total_images, batch_size, shares=DEFAULT_SHARES):
        """Split ``total_images`` in proportion to the shares (default 10/10/15/15/50 %: half at
        28 x 28): a phase gets floor(total_images * share / sum of shares) images."""
        weight = sum(share for _, share in shares)
        phases = []
        for name, share in shares:
            kind, size = name.split("_")
            images = int(total_images * share / weight + 1e-6)    # rounding must not cost a whole image
            phases.append(((int(size) // BASE).bit_length() - 1, kind == "fade", images))
        return cls(phases, batch_size)

    @property
    def total_steps(self):
        return self.phases[-1].end

    def phase_at(self, step):
        """The phase that training step ``step`` (1-based) belongs to; step 0 and steps past the
        end belong to the first and the last phase."""
        for phase in self.phases:
            if step <= phase.end:
                return phase
        return self.phases[-1]

    def to_list(self):
        return [{"name": p.name, "level": p.level, "fade": p.fade, "images": p.images, "start_step": p.start,
                 "steps": p.steps} for p in self.phases]
