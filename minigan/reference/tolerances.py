"""Tolerance presets of the checker, by the dtype an implementation computes in.

A tensor passes when every element satisfies |actual - expected| <= atol + rtol |expected|.
float64: two correct float64 implementations differ by summation order, around 1e-16
relative; 1e-9 leaves ample room and still catches every real mistake. float32: the
fixtures' inputs are float32 numbers, so a float32 implementation starts from the same
values and only its own rounding (about 6e-8 per operation, summed over the terms of each
output) separates it from the float64 results; docs/reference.md gives the measurement.
"""
PRESETS = {"float64": (1e-9, 1e-12), "float32": (1e-4, 1e-5)}


def preset(dtype):
    """(rtol, atol) for "float64" or "float32"."""
    try:
        return PRESETS[str(dtype)]
    except KeyError:
        raise ValueError(f"no tolerance preset for dtype {dtype!r}: choose one of {', '.join(PRESETS)}") from None
