"""Exports of the fixtures shared by the reference tests (tests must not modify them): seed 0,
and seed 1 for the tests that must hold under another export."""
import pytest

from minigan.reference import export


@pytest.fixture(scope="session")
def fixtures(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fixtures")
    export(directory)
    return directory


@pytest.fixture(scope="session")
def fixtures_seed1(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fixtures-seed1")
    export(directory, seed=1)
    return directory
