import pytest


@pytest.fixture(autouse=True)
def _fresh_catalogue():
    """The compiled catalogue is cached per process; tests roll their data back, so start clean."""
    from fanxiang.policies.matching import clear_catalogue_cache

    clear_catalogue_cache()
    yield
    clear_catalogue_cache()
