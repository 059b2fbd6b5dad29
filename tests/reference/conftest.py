"""One export of the fixtures shared by the reference tests (tests must not modify it)."""
import pytest

from minigan.reference import export


@pytest.fixture(scope="session")
def fixtures(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fixtures")
    export(directory)
    return directory
