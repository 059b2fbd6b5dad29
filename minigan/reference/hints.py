"""One-line hints at the likely cause of a failure, where a cheap test finds one.

Per failing tensor, tests on the actual and expected arrays alone: a constant factor (1/N:
a mean for a sum), a flipped sign, a transposed or flipped layout, an error constant per
channel, errors only at a kink or at the bottom/right edge, non-finite values at extreme
logits, a shape off by output_padding. Per case, probes (probes.py) recompute the case
under a common wrong convention (eps inside the square root, no bias correction, a biased
running variance, ...) and name the one the implementation matches.
"""
import numpy as np

from .probes import probes


def close(a, b, rtol, atol):
    """Equal within ten times the check's tolerance (a variant need not be matched bit for bit)."""
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= 10 * (atol + rtol * np.abs(b))))


def distance(a, b, rtol, atol):
    """max |a - b| / (atol + rtol |b|): how many tolerances apart."""
    if a.shape != b.shape or not np.isfinite(a).all():
        return np.inf
    return float(np.max(np.abs(a - b) / (atol + rtol * np.abs(b)), initial=0.0))


def batch_size(case, inputs):
    for key in ("x", "fake_logits", "real"):
        if key in inputs:
            return len(inputs[key])
    return None


def factor_hint(case, inputs, actual, expected, rtol, atol):
    denominator = float((expected * expected).sum())
    if denominator == 0:
        return ""
    c = float((actual * expected).sum()) / denominator
    if abs(c - 1) < 1e-3 or not close(actual, c * expected, rtol, atol):
        return ""
    n = batch_size(case, inputs)
    if c == 0 or abs(c) < 1e-12:
        return "the result is zero: nothing reaches this tensor"
    if abs(c + 1) < 1e-6:
        return "the sign is flipped"
    if n and n > 1 and abs(c * n - 1) < 1e-6:
        return f"actual = expected / {n} (the batch size): a mean where the batch's sum belongs"
    if n and n > 1 and abs(c / n - 1) < 1e-6:
        return f"actual = {n} x expected (the batch size): a sum where the batch's mean belongs"
    return f"actual = {c:.6g} x expected: a constant factor is off" if expected.size > 1 else ""


def layout_hint(actual, expected, rtol, atol):
    shape = expected.shape
    candidates = []
    if expected.ndim == 2:
        candidates += [(expected.T, "equals the expected one transposed: (in, out) where (out, in) is meant, or "
                                    "the reverse"),
                       (expected.T.reshape(shape), "equals the expected one transposed and reshaped: a layout mix-up")]
    if expected.ndim == 4:
        swapped = expected.transpose(1, 0, 2, 3)
        candidates += [(swapped, "equals the expected one with axes 0 and 1 swapped: (in, out, kh, kw) where "
                                 "(out, in, kh, kw) is meant, or the reverse"),
                       (swapped.reshape(shape), "equals the expected one with axes 0 and 1 swapped and reshaped: "
                                                "a weight layout mix-up"),
                       (expected[:, :, ::-1, ::-1], "equals the expected one flipped in both kernel axes: a "
                                                    "convolution (flipped kernel) where PyTorch's cross-correlation "
                                                    "is meant")]
        if shape[2] == shape[3]:
            candidates.append((expected.transpose(0, 1, 3, 2), "equals the expected one with height and width swapped"))
    for candidate, text in candidates:
        if candidate.shape != shape or close(expected, candidate, rtol, atol):
            continue                                  # this layout cannot be told apart here
        if close(actual, candidate, rtol, atol):
            return text
    return ""


def error_shape_hint(case, inputs, name, actual, expected, rtol, atol):
    """Where the error sits: constant, constant per channel, at the kink, at an edge."""
    error = actual - expected
    bad = np.abs(error) > atol + rtol * np.abs(expected)
    size = np.abs(error).max()
    if expected.size > 1 and bad.all() and np.abs(error - error.flat[0]).max() <= 1e-3 * size:
        return f"off by the same amount {error.flat[0]:.4g} everywhere"
    if expected.ndim >= 2 and expected.shape[1] > 1 and expected.size > expected.shape[1]:
        axes = (0,) + tuple(range(2, expected.ndim))
        per_channel = error.mean(axis=axes, keepdims=True)
        if bad.any() and np.abs(error - per_channel).max() <= 1e-3 * size:
            return "the error is the same at every position of a channel (axis 1): a per-channel term is off"
    x = inputs.get("x")
    if case.special == "kink" and name == "dx" and case.kind in ("ReLU", "LeakyReLU") and not bad[x != 0].any():
        return "wrong only where x is exactly 0: the derivative at the kink"
    if case.special == "kink" and case.kind == "MinibatchDiscrimination" and name == "dx" and not bad[4:].any():
        return "wrong only for the samples equal to another one: the L1 norm's derivative at 0 (sign(0) = 0)"
    if expected.ndim == 4 and bad.any():
        rows, cols = np.nonzero(bad.any(axis=(0, 1)))
        if rows.min() == expected.shape[2] - 1 or cols.min() == expected.shape[3] - 1:
            return "wrong only in the last row or column: the bottom/right edge (padding, output_padding)"
    return ""


def non_finite_hint(case, inputs, name):
    if case.group == "loss":
        return ("not finite with logits out to +-800: log(sigmoid(l)) and log(1 - sigmoid(l)) overflow or reach "
                "log(0) there; write them as -softplus(-l) and -softplus(l), softplus(l) = logaddexp(0, l)")
    if case.kind.startswith("BatchNorm"):
        return "not finite: a division by a zero variance (eps belongs inside: 1 / sqrt(var + eps))"
    return "not finite: an overflow (exp of a large number) or a division by zero"


def shape_hint(case, actual_shape, expected_shape):
    if tuple(actual_shape) == tuple(expected_shape)[::-1]:
        return "the shape is the expected one reversed: a transposed result"
    if len(actual_shape) == len(expected_shape) == 4 and tuple(actual_shape[:2]) == tuple(expected_shape[:2]):
        short = (expected_shape[2] - actual_shape[2], expected_shape[3] - actual_shape[3])
        op = case.config.get("args", {}).get("output_padding")
        if op and list(short) == list(op) and any(op):
            return (f"height and width are short by {short} = output_padding: it adds rows and columns at the "
                    f"bottom and right of the output")
        return f"height and width differ by {short}: the output size formula (padding, stride, rounding)"
    return ""


def tensor_hint(case, inputs, name, actual, expected, rtol, atol):
    if not np.isfinite(actual).all():
        return non_finite_hint(case, inputs, name)
    return (factor_hint(case, inputs, actual, expected, rtol, atol) or layout_hint(actual, expected, rtol, atol)
            or error_shape_hint(case, inputs, name, actual, expected, rtol, atol))


def explain(case, inputs, expected, outputs, result, rtol, atol):
    """Attach hints to the failing tensors of ``result`` and the probes' findings to the case."""
    for t in result.failing:
        actual, wanted = outputs.get(t.name), expected.get(t.name)
        if not isinstance(actual, np.ndarray) or wanted is None:
            continue
        if actual.shape != wanted.shape:
            t.hint = shape_hint(case, actual.shape, wanted.shape)
        else:
            t.hint = tensor_hint(case, inputs, t.name, actual, wanted, rtol, atol)
    failing = {t.name for t in result.failing}
    best = (np.inf, "")
    for text, variant in probes(case, inputs):
        names = [k for k in sorted(variant) if k in failing and isinstance(outputs.get(k), np.ndarray)]
        if not names:
            continue
        off = max(distance(outputs[k], variant[k], rtol, atol) for k in names)
        from_fixture = min(distance(outputs[k], expected[k], rtol, atol) for k in names)
        if off <= 10 and off <= from_fixture / 10 and off < best[0]:
            best = (off, f"{', '.join(names[:3])}{' ...' * (len(names) > 3)} match {text}")
    if best[1]:
        result.hints.append(best[1])
