"""Did a finished run go wrong without raising? Two failures a NaN guard cannot see:

- the losses exploded: a loss of 10^4 or more in size over the last tenth of the run (a
  cross-entropy of 10^4 means logits of 10^4; a diverged critic's estimates grow the same way);
- the samples collapsed to one point: the generated batch's spread (the standard deviation
  across samples, averaged over features) is below 10^-3 of its size (mode collapse in its
  extreme, or a G saturated at +-1 everywhere).
"""
import numpy as np

EXPLODED = 1e4
COLLAPSED = 1e-3


def training_health(records, samples=None):
    """{"losses_exploded", "samples_collapsed" (None without samples), "warnings": [text]} for a
    history's records (dicts with d_loss and g_loss) and an array of generated samples."""
    tail = records[-max(1, len(records) // 10):] if records else []
    sizes = [abs(r[k]) for r in tail for k in ("d_loss", "g_loss") if k in r]
    exploded = bool(sizes) and (max(sizes) >= EXPLODED or not np.isfinite(max(sizes)))
    warnings = []
    if exploded:
        warnings.append(f"the losses exploded (|loss| up to {max(sizes):.3g} over the last tenth of the run): "
                        f"lower the learning rates")
    collapsed = None
    if samples is not None:
        x = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
        spread, size = x.std(axis=0).mean(), max(np.abs(x).mean(), 1e-12)
        collapsed = bool(len(x) > 1 and spread < COLLAPSED * size)
        if collapsed:
            warnings.append(f"the samples collapsed to one point (spread {spread:.3g} across {len(x)} samples)")
    return {"losses_exploded": exploded, "samples_collapsed": collapsed, "warnings": warnings}
