"""Which classes (or modes) a generator draws, and how that changes over training.

    shares = class_shares(classifier, images)      # (10,): fraction of images predicted as each class
    share_dynamics(rows)                            # rows (T, K): one share vector per measurement

A collapsing generator puts most of its samples in one class; a cycling one moves that class
around: G gets good at one class, D learns to reject it and forgets the others, G moves on.
``share_dynamics`` sums that up over T measurements s_1..s_T:

    hop rate           mean_t 1/2 sum_k |s_t,k - s_t-1,k|   total variation between neighbours:
                       0 when the shares stand still, 1 when all the mass moved
    largest share      mean_t max_k s_t,k                   1: one class at a time; 1/K: even
    dominant changes   #{t : argmax s_t != argmax s_t-1}
    dominant classes   the classes that were argmax s_t at least once, in order of first appearance
"""
import numpy as np

from ..backend import device_of, to_device, to_numpy
from ..models.classifier import predict_proba
from .quality import class_histogram


def class_shares(classifier, images):
    """Fraction of ``images`` (N, 28, 28) or (N, 1, 28, 28) in [-1, 1] that ``classifier``
    assigns (argmax) to each class: (K,) float64 NumPy."""
    first = next(iter(classifier.params.values()))
    x = np.asarray(to_numpy(images), dtype=first.dtype)
    if x.ndim == 3:
        x = x[:, None]
    return np.asarray(class_histogram(predict_proba(classifier, to_device(x, device_of(first)))), dtype=np.float64)


def share_dynamics(rows):
    """Hop rate, mean largest share, dominant changes and dominant classes of share vectors (T, K)."""
    rows = np.asarray(rows, dtype=np.float64)
    dominant = rows.argmax(axis=1)
    hops = 0.5 * np.abs(np.diff(rows, axis=0)).sum(axis=1)
    return {"hop_rate": float(hops.mean()) if len(hops) else 0.0,
            "largest_share": float(rows.max(axis=1).mean()),
            "dominant_changes": int((np.diff(dominant) != 0).sum()),
            "dominant_classes": [int(k) for k in dict.fromkeys(dominant.tolist())]}
