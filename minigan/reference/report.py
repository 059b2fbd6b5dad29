"""The checker's results and their text: one line per case, the failing tensors below it.

For a tensor the criterion is element-wise, |actual - expected| <= atol + rtol |expected|
("allowed"). A FAIL line gives the element furthest over its allowed error, that error, the
allowed one and their ratio, so the printed numbers are the criterion's own. PASS lines give
the largest absolute error and the largest error relative to the tensor's scale,
max|actual - expected| / max|expected|, to show how close an implementation came.
"""
from dataclasses import dataclass, field


@dataclass
class TensorResult:
    name: str
    shape: tuple
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0       # max|actual - expected| / max|expected|
    ratio: float = 0.0               # max over elements of |actual - expected| / allowed
    ok: bool = True
    note: str = ""                   # what is wrong, or the worst element of a failing tensor
    hint: str = ""                   # the likely cause, where a cheap test finds one
    blocking: bool = False           # shape, missing, not an array: later stages are not run

    def __str__(self):
        flag = "ok  " if self.ok else "FAIL"
        line = f"{flag} {self.name:<24} {str(self.shape):<14} {self.note}".rstrip()
        return line + (f"\n         hint: {self.hint}" if self.hint else "")


@dataclass
class CaseResult:
    name: str
    kind: str
    status: str                      # passed | failed | skipped
    tensors: list = field(default_factory=list)
    message: str = ""
    pins: str = ""
    hints: list = field(default_factory=list)      # case-level hints (a convention matched)

    @property
    def max_abs_error(self):
        return max((t.max_abs_error for t in self.tensors), default=0.0)

    @property
    def max_rel_error(self):
        return max((t.max_rel_error for t in self.tensors), default=0.0)

    @property
    def failing(self):
        return [t for t in self.tensors if not t.ok]

    def __str__(self):
        head = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}[self.status]
        line = f"{head} {self.name:<52}"
        if self.status == "skipped":
            return f"{line} {self.message}"
        if self.status == "passed":
            return f"{line} max abs {self.max_abs_error:.1e}  max rel {self.max_rel_error:.1e}"
        failing = self.failing
        if failing:
            worst = max(failing, key=lambda t: t.ratio)
            line += f" {len(failing)} tensor{'s' * (len(failing) > 1)} over tolerance, first {failing[0].name}"
            if worst.ratio != float("inf") and worst.ratio > 0:
                line += f"; worst {worst.ratio:.1e} x allowed ({worst.name})"
        lines = [line] + [f"       {t}".replace("\n", "\n       ") for t in failing]
        lines += [f"       {self.message}"] if self.message else []
        lines += [f"       hint: {h}" for h in self.hints]
        lines += [f"       pins: {self.pins}"] if self.pins else []
        return "\n".join(lines)


@dataclass
class Report:
    cases: list
    rtol: float
    atol: float
    dtype: str = "float64"

    def count(self, status):
        return sum(c.status == status for c in self.cases)

    @property
    def passed(self):
        return self.count("passed")

    @property
    def failed(self):
        return self.count("failed")

    @property
    def skipped(self):
        return self.count("skipped")

    @property
    def ok(self):
        return self.failed == 0

    def __bool__(self):
        return self.ok

    def case(self, name):
        return next(c for c in self.cases if c.name == name)

    def summary(self):
        return f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"

    def __str__(self):
        return "\n".join([str(c) for c in self.cases]
                         + [f"tolerances ({self.dtype}): rtol {self.rtol:g}, atol {self.atol:g}", self.summary()])
