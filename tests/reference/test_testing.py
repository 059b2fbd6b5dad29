"""fixture_tests turns the fixtures into one pytest test per case in an implementer's suite."""

SUITE = '''
from minigan import nn
from minigan.reference.adapters import factory as minigan_factory
from minigan.reference.testing import fixture_tests


class HalfBias(nn.Dense):
    def backward(self, dy):
        dx = super().backward(dy)
        if "bias" in self.grads:
            self.grads["bias"] /= 2
        return dx


def factory(kind, config):
    if kind == "Dense":
        return HalfBias(**config["args"], dtype="float64")
    if kind == "Tanh":
        raise NotImplementedError("no Tanh")
    return minigan_factory(kind, config)


test_float64 = fixture_tests(factory, DIRECTORY, cases=["Dense/*", "Tanh/*", "ReLU/*"])
test_float32 = fixture_tests(minigan_factory, dtype="float32", cases=["Conv2d/k3-s1-p1"])
'''


def test_one_test_per_case_with_the_report_on_failure(pytester, fixtures):
    pytester.makepyfile(test_mine=SUITE.replace("DIRECTORY", repr(str(fixtures))))
    result = pytester.runpytest("-q", "-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5, failed=2, skipped=1)
    result.stdout.fnmatch_lines(["*test_float64?Dense/bias?*", "*FAIL grad/bias*",
                                 "*hint: actual = 0.5 x expected*", "*pins: weight (out, in)*",
                                 "*tolerances (float64)*", "*not implemented: no Tanh*"])
    result.stdout.no_fnmatch_line("*Dense/no-bias*FAIL*")
