"""Run directories: a training run's figures, logs, scores and checkpoint on disk.

    image_run.py         ImageRun: a GANTrainer on 28 x 28 images, epoch by epoch
    progressive_run.py   ProgressiveRun: a progressively growing GAN, phase by phase

Above minigan.gan (which trains) and beside data, metrics and plots (which these use); the demos
and the command line build on them. Import the modules themselves: this package loads no plotting.
"""
CHECKPOINT = "checkpoint.npz"     # in every run directory: all that resuming needs, replaced atomically
