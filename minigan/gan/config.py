"""Everything that configures a GAN run, in one plain dataclass saved with every checkpoint."""
import math
import numbers
from dataclasses import asdict, dataclass, fields


@dataclass
class GANConfig:
    """Settings of a GAN training run.

    loss:              minimax | non-saturating | least-squares | hinge | wasserstein
    d_steps:           discriminator steps per generator step (k in Goodfellow et al.)
    batch_size:        samples per batch, real and fake alike
    z_dim:             size of the noise vector z ~ N(0, I)
    seed:              seeds the trainer's Generator (noise, real batches, replay)
    clip:              WGAN weight clipping: D's weights kept in [-clip, clip] after each D step
                       (None: off; defaults to 0.01 for the wasserstein loss without a penalty)
    penalty:           None, "gp" (WGAN-GP: penalty_weight (||grad_x D|| - 1)^2 on interpolates of
                       real and fake) or "r1" (penalty_weight/2 ||grad_x D||^2 on real data); added
                       to D's loss in every D step (minigan/gan/penalty.py). D must not mix samples.
    penalty_weight:    lambda of WGAN-GP, gamma of R1
    label_smoothing:   one-sided: D's real target is 1 - label_smoothing (Salimans et al. 2016)
    instance_noise:    std of Gaussian noise added to D's inputs, real and fake, annealed
                       linearly to 0 over ``instance_noise_steps`` generator steps (Sonderby et al. 2017)
    replay_size:       experience replay: a buffer of this many past fakes ...
    replay_fraction:   ... of which this fraction of D's fake batch is drawn (Shrivastava et al. 2017)
    feature_matching:  G matches the mean of D's features at this layer index instead of
                       fooling D's output (Salimans et al. 2016); None: off
    g_average:         decay of an exponential moving average of G's weights (e.g. 0.999), the
                       network that draws samples and metrics (averaging.py); 0: off
    g_fresh_noise:     draw new noise for the generator step; by default G's step reuses the
                       fake batch of the last D step (as PyTorch's DCGAN example does), which
                       saves one forward pass of G: G's weights have not changed since.
    check_finite:      stop with NonFiniteError at the first NaN/inf loss or gradient (guards.py)
    accel:             switch G, D and their optimizers to minigan.accel's fast twins when the
                       trainer is built (the same mathematics, tested equal). Off: the readable
                       layers run, the path to step through in a debugger.
    cuda_graph:        refused: capturing a step as a CUDA graph needs its matrix products to
                       run inside the capture, and CuPy refuses cuBLAS calls while a stream is
                       capturing (NotImplementedError from cupy_backends' cublas.setStream).
    rollback:          on such an error, reload the last checkpoint and multiply both learning
                       rates by ``rollback_lr_factor``, at most this many times (0: just stop)
    """
    loss: str = "non-saturating"
    d_steps: int = 1
    batch_size: int = 64
    z_dim: int = 2
    seed: int = 0
    clip: float | None = None
    penalty: str | None = None
    penalty_weight: float = 10.0
    label_smoothing: float = 0.0
    instance_noise: float = 0.0
    instance_noise_steps: int = 1000
    replay_size: int = 0
    replay_fraction: float = 0.5
    feature_matching: int | None = None
    g_average: float = 0.0
    g_fresh_noise: bool = False
    check_finite: bool = True
    accel: bool = False
    cuda_graph: bool = False
    rollback: int = 0
    rollback_lr_factor: float = 0.5

    def __post_init__(self):
        for name in ("d_steps", "batch_size", "z_dim"):
            _require_int(name, getattr(self, name), 1)
        for name in ("instance_noise_steps", "replay_size", "rollback"):
            _require_int(name, getattr(self, name), 0)
        _require_int("seed", self.seed, None)
        if self.feature_matching is not None:
            _require_int("feature_matching", self.feature_matching, None)
        for name in ("penalty_weight", "label_smoothing", "instance_noise", "replay_fraction", "g_average",
                     "rollback_lr_factor") + (("clip",) if self.clip is not None else ()):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
                raise ValueError(f"GANConfig: {name} must be a finite number, got {value!r}")
        if self.cuda_graph:
            raise ValueError("cuda_graph is not supported: a captured CUDA graph would have to record the "
                             "step's matrix products, and CuPy refuses cuBLAS calls during stream capture; "
                             "use cuda_graph=False (accel=True keeps the fast layers)")
        if self.clip is None and self.loss == "wasserstein" and self.penalty is None:
            self.clip = 0.01
        if self.penalty not in (None, "gp", "r1"):
            raise ValueError(f"penalty must be None, 'gp' or 'r1', got {self.penalty!r}")
        if self.penalty_weight < 0:
            raise ValueError(f"penalty_weight must be >= 0, got {self.penalty_weight}")
        if self.instance_noise < 0 or (self.clip is not None and self.clip <= 0):
            raise ValueError(f"instance_noise must be >= 0 and clip > 0, got {self.instance_noise}, {self.clip}")
        if not 0 < self.rollback_lr_factor <= 1:
            raise ValueError(f"rollback_lr_factor must be in (0, 1], got {self.rollback_lr_factor}")
        if not 0 <= self.label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.label_smoothing and self.loss not in ("minimax", "non-saturating", "least-squares"):
            raise ValueError(f"label smoothing needs a loss with a real label, not {self.loss!r}")
        if not 0 <= self.g_average < 1:
            raise ValueError(f"g_average must be in [0, 1), got {self.g_average}")
        if not 0 <= self.replay_fraction <= 1:
            raise ValueError(f"replay_fraction must be in [0, 1], got {self.replay_fraction}")

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, d):
        """Build from a dict, ignoring keys this version does not know."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def _require_int(name, value, low):
    """An integer (not a bool, not 2.5) >= low (any integer for low None); else ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or (low is not None and value < low):
        bound = "" if low is None else f" >= {low}"
        raise ValueError(f"GANConfig: {name} must be an integer{bound}, got {value!r}")
