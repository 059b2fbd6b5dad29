"""Figures for demos: training curves (common), frames and GIFs (animation), toy-data pictures (toy)."""
from .animation import FrameRecorder, frame_steps, write_gif
from .common import new_figure, plot_discriminator_outputs, plot_losses, save_figure, training_curves
from .toy import (discriminator_outputs, discriminator_probability, gaussian_kde, grid_points, noise_quantiles,
                  plot_1d_frame, plot_2d_frame, plot_averaging)

__all__ = ["FrameRecorder", "frame_steps", "write_gif", "new_figure", "save_figure", "plot_losses",
           "plot_discriminator_outputs", "training_curves", "gaussian_kde", "grid_points",
           "discriminator_outputs", "discriminator_probability", "noise_quantiles", "plot_1d_frame", "plot_2d_frame",
           "plot_averaging"]
