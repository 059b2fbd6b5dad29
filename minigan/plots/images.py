"""Grids of generated images: one PNG per epoch, a labelled grid for the conditional GAN.

    save_image_grid(images, "grid.png", ncols=8)                       # images (N, 28, 28) in [-1, 1]
    save_image_grid(images, "cgan.png", ncols=10, row_labels=names)    # one label per row
    save_image_strip(["a.png", "b.png"], "strip.png", titles=["7 x 7", "14 x 14"])   # saved grids side by side
"""
import numpy as np

from ..backend import to_numpy
from .common import new_figure, save_figure


def tile_images(images, ncols=8, padding=2, fill=1.0):
    """(N, H, W) or (N, 1, H, W) in [-1, 1] -> one grey picture (rows*(H+p)+p, ncols*(W+p)+p) in [0, 1].

    Images fill the grid row by row; empty cells and the gaps between images get ``fill``.
    """
    x = to_numpy(images).astype(np.float32)
    if x.ndim == 4:
        x = x[:, 0]
    n, h, w = x.shape
    rows = -(-n // ncols)
    grid = np.full((rows * (h + padding) + padding, ncols * (w + padding) + padding), fill, dtype=np.float32)
    for i, image in enumerate(np.clip((x + 1) / 2, 0, 1)):
        top, left = padding + (i // ncols) * (h + padding), padding + (i % ncols) * (w + padding)
        grid[top:top + h, left:left + w] = image
    return grid


def plot_image_grid(ax, images, ncols=8, row_labels=None, title=None):
    """Draw ``tile_images`` on ax; row_labels (one per row) go on the left as y tick labels."""
    padding = 2
    grid = tile_images(images, ncols, padding)
    ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    if row_labels is None:
        ax.set_yticks([])
    else:
        h = to_numpy(images).shape[-2]
        ax.set_yticks([padding + i * (h + padding) + h / 2 for i in range(len(row_labels))])
        ax.set_yticklabels(row_labels)
        ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title, fontsize=9)


def save_image_grid(images, path, ncols=8, row_labels=None, title=None, scale=0.45):
    """One PNG of the images in a grid; ``scale`` inches per image (labels widen the figure)."""
    rows = -(-len(images) // ncols)
    # room on the left for the longest label (about 0.085 inch a character at the default size)
    extra = 0.3 + 0.085 * max(len(str(label)) for label in row_labels) if row_labels is not None else 0.0
    fig, ax = new_figure(ncols * scale + extra, rows * scale + (0.4 if title else 0.1))
    plot_image_grid(ax, images, ncols, row_labels, title)
    return save_figure(fig, path, tight=row_labels is not None)     # labels may be wider than the margin


def save_image_strip(paths, path, titles=None, height=3.0):
    """Saved pictures (e.g. the sample grid at the end of each phase of a growing GAN) side by
    side in one PNG, each under its title, ``height`` inches tall: a run's course at a glance."""
    from matplotlib.image import imread
    titles = list(titles) if titles is not None else [None] * len(paths)
    fig, axes = new_figure(height * len(paths), height + 0.3 * max(str(t).count("\n") + 1 for t in titles),
                           ncols=len(paths))
    for ax, picture, title in zip(np.atleast_1d(axes), paths, titles):
        ax.imshow(imread(picture))
        ax.axis("off")
        if title:
            ax.set_title(title, fontsize=9)
    return save_figure(fig, path, tight=True)            # two-line titles need more than the layout gives
