import numpy as np

from minigan.reference.where import describe, locate


def my_backward(dy, weight):
    return np.einsum("no,io->ni", dy, weight)             # raises inside numpy


def test_the_frame_to_blame_is_the_callers_not_numpys():
    try:
        my_backward(np.ones((2, 3)), np.ones((3, 4)))
    except ValueError as err:
        where = locate(err)
        assert where.startswith("tests/reference/test_where.py:") and "in my_backward: return np.einsum" in where
        assert describe(err).startswith("ValueError: ") and "einsumfunc" not in describe(err)


def test_an_error_raised_in_own_code_is_located_there():
    try:
        raise KeyError("weight")
    except KeyError as err:
        assert "test_where.py" in locate(err) and "in test_an_error_raised_in_own_code_is_located_there" in locate(err)
