"""Training as an animation: PNG frames at chosen steps, then one GIF made of them (Pillow).

    frames = FrameRecorder(out / "frames", frame_steps(steps, 30), draw)   # draw(step) -> Figure
    frames.capture(0)                        # the untrained models
    trainer.fit(steps, callback=frames)      # a frame at each chosen step
    write_gif(frames.paths, out / "training.gif")
"""
from pathlib import Path

import numpy as np
from PIL import Image

from .common import save_figure


def frame_steps(total, count):
    """``count`` steps spread evenly over 1..total (always including total), sorted and unique."""
    if total < 1 or count < 1:
        return []
    steps = np.linspace(total / count, total, count).round().astype(int).clip(1, total)
    return sorted(set(steps.tolist()))


class FrameRecorder:
    """Saves ``draw(step)`` as ``directory/step_000123.png`` at the given steps.

    Use it as a trainer callback (``callback(trainer, record)``) or call ``capture(step)``.
    Old frames in the directory are removed first, so a GIF never mixes two runs; a resumed
    run (``resumed_at`` = the checkpoint's step) keeps the frames up to that step.
    """

    def __init__(self, directory, steps, draw, dpi=80, resumed_at=None):
        self.directory = Path(directory)
        self.steps = set(steps)
        self.draw, self.dpi = draw, dpi
        self.paths = []
        self.directory.mkdir(parents=True, exist_ok=True)
        for old in sorted(self.directory.glob("step_*.png")):
            if resumed_at is not None and int(old.stem.split("_")[1]) <= resumed_at:
                self.paths.append(old)
            else:
                old.unlink()

    def capture(self, step):
        path = save_figure(self.draw(step), self.directory / f"step_{step:06d}.png", dpi=self.dpi)
        self.paths.append(path)
        return path

    def __call__(self, trainer, record):
        if trainer.step in self.steps:
            self.capture(trainer.step)


def write_gif(frame_paths, path, seconds_per_frame=0.15, hold_last=1.5):
    """One looping GIF of the PNG frames, in order; the last frame stays ``hold_last`` seconds.

    Frames are put on one shared 256-colour palette (that of the last frame), so colours do
    not flicker from frame to frame.
    """
    if not frame_paths:
        raise ValueError("no frames to write")
    images = [Image.open(p).convert("RGB") for p in frame_paths]
    palette = images[-1].quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    frames = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    durations = [int(1000 * seconds_per_frame)] * (len(frames) - 1) + [int(1000 * hold_last)]
    path = Path(path)
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=durations, loop=0,
                   optimize=False)
    return path
