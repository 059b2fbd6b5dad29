"""One training iteration captured as a CUDA graph and replayed: ``GANConfig(cuda_graph=True)``.

A small GAN's step on a GPU is bound by launches, not arithmetic: the DCGAN's iteration is
several hundred array operations, each ~10 us of Python and driver time. A CUDA graph records
them once; a replay is one launch. The recorded work (the body) is the trainer's own step:

    fake = G(z)
    D's gradients on the real batch and on fake     GANTrainer.discriminator_gradients
    D's optimizer                                   Optimizer.apply
    G's gradients through the frozen D              GANTrainer.generator_gradients
    G's optimizer                                   Optimizer.apply
G's weight average (config.g_average) takes its step after each replay, outside the graph.

A replay does the recorded work on the recorded arrays, so the body may read only values
that live in arrays it keeps. Three things make a replay the eager step:
  1. Per-step inputs are written into fixed arrays before each replay, outside the graph:
     z and the real batch, drawn by the trainer as in eager mode (same Generator, same order),
     and the optimizers' per-step constants (Adam's bias corrections, Optimizer.upload_constants).
  2. No host reads inside the body (no float(), bool() or .item() of a device value): a
     capture cannot wait for a result. The body packs the logits, the losses and a flag "all
     gradients finite" into one array, which the host reads once after the replay for the
     record and the guard.
  3. Every array that outlives a step (weights, gradients, optimizer moments, running
     statistics) is updated in place: a replay writes where the capture saw the array.
tests/gan/test_graph.py checks each on the CPU (NumPy runs the body itself where CuPy would
replay it) and, on a GPU, replays against eager steps.

Step 1 runs the body eagerly, on the graph's stream: gradients and optimizer state are
allocated, CuPy compiles its kernels and cuBLAS sets up its workspace for that stream, none of
which may happen inside a capture. Step 2 captures and replays it; later steps replay.
Loading a checkpoint drops the graph (the arrays it wrote are replaced) and the next step
starts over. The guard runs after the replay: a NaN stops training as in eager mode, but
after that step's update. With check_finite off, a non-finite gradient is applied silently
(eager mode's optimizer still refuses it).
"""
import math

from ..backend import DeviceGraph, finite_flag, get_array_module, to_numpy
from ..nn.validation import debug_enabled
from .guards import check_finite

UNSUPPORTED = {
    "d_steps": lambda c: c.d_steps != 1, "penalty": lambda c: c.penalty,
    "replay_size": lambda c: c.replay_size, "instance_noise": lambda c: c.instance_noise,
    "feature_matching": lambda c: c.feature_matching is not None, "clip": lambda c: c.clip,
    "g_fresh_noise": lambda c: c.g_fresh_noise,
}


def check_capturable(trainer):
    """Raise ValueError unless the trainer's step is one a graph can replay (see UNSUPPORTED)."""
    unsupported = [name for name, is_on in UNSUPPORTED.items() if is_on(trainer.config)]
    if unsupported:
        raise ValueError(f"cuda_graph captures the plain GAN step; turn off {', '.join(unsupported)} "
                         f"or set cuda_graph=False")
    if debug_enabled():
        raise ValueError("cuda_graph: MINIGAN_DEBUG's checks read every layer's output back to the host, "
                         "which a captured graph cannot do; unset MINIGAN_DEBUG or set cuda_graph=False")
    drawing = [type(m).__name__ for net in (trainer.G, trainer.D) for m in net.modules()
               if getattr(m, "rng", None) is not None and m.training]
    if drawing:
        raise ValueError(f"cuda_graph: {', '.join(drawing)} draw random numbers on the host in every "
                         f"forward, which a graph would replay unchanged; set cuda_graph=False")


class CapturedStep:
    """The trainer's ``train_step`` as a replayed graph; ``train_step()`` returns the same record."""

    def __init__(self, trainer):
        check_capturable(trainer)
        self.trainer = trainer
        self.optimizers = (trainer.d_optimizer, trainer.g_optimizer)
        for opt in self.optimizers:
            opt.constants_on_device()
        self.graph = DeviceGraph(next(iter(trainer.G.params.values())))
        self.real = self.z = self.out = None          # the body's fixed inputs and output
        self.split = None                             # sizes of the real and fake logits in out
        self.steps = 0

    def train_step(self):
        t = self.trainer
        with self.graph.stream():
            self._write_inputs()
            for opt in self.optimizers:
                opt.step_count += 1
                opt.upload_constants()
            try:
                self.out = self.body() if self.steps == 0 else self.graph.run(self.body)
            except BaseException:
                for opt in self.optimizers:               # the step did not happen
                    opt.step_count -= 1
                raise
            self.steps += 1
            if t.G_average is not None:                  # eager, after the replay: its beta changes
                t.G_average.update(t.G)                  # with every update, and it copies buffers
            report = to_numpy(self.out)                  # the one read of the step, after its work
        n_real, n_fake = self.split
        real_logits, fake_logits = report[:n_real], report[n_real:n_real + n_fake]
        d_loss, g_loss, finite = report[n_real + n_fake:]
        record = t.discriminator_record(real_logits, fake_logits, d_loss)
        record["g_loss"] = float(g_loss)
        if t.config.check_finite and not (finite and math.isfinite(d_loss) and math.isfinite(g_loss)):
            check_finite("D", t.D, record["d_loss"], t.step + 1, updated=True)   # raises, naming the layer
            check_finite("G", t.G, record["g_loss"], t.step + 1, updated=True)
        return record

    def _write_inputs(self):
        """Draw the real batch, then z (the eager order), into the body's fixed arrays."""
        t, n = self.trainer, self.trainer.config.batch_size
        real, z = t.real_batch(n), t.noise(n)
        if self.z is None:
            self.real, self.z = real.copy(), z.copy()     # the body's own: real may view the data
        else:
            xp = get_array_module(z)
            xp.copyto(self.real, real)
            xp.copyto(self.z, z)

    def body(self):
        """The recorded work: one D update and one G update from self.real and self.z.

        Returns one array for the host to read: D's real and fake logits, D's loss, G's loss,
        and 1 if every gradient of both was finite (always 1 without config.check_finite)."""
        t = self.trainer
        fake = t.G.forward(self.z)
        real_logits, fake_logits, d_loss, _, _ = t.discriminator_gradients(self.real, fake)
        d_finite = self._all_finite(t.D)
        t.d_optimizer.apply()
        g_loss = t.generator_gradients(fake)
        finite = d_finite & self._all_finite(t.G)
        t.g_optimizer.apply()
        xp = get_array_module(fake)
        self.split = (real_logits.size, fake_logits.size)
        numbers = xp.stack([d_loss, g_loss, finite]).astype(fake.dtype)
        return xp.concatenate([real_logits.reshape(-1), fake_logits.reshape(-1), numbers])

    def _all_finite(self, model):
        """A device bool: are all of model's gradients finite (before its optimizer runs)."""
        if not self.trainer.config.check_finite:
            return get_array_module(self.z).ones((), dtype=bool)
        return finite_flag(model.grads.values())
