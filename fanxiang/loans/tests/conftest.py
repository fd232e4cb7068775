import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads of loan tests go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
