import pytest

from fanxiang.loans.tests.repayment_factories import person


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads of loan tests go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def borrower(demo):
    """An entrepreneur in 411625 (the example borrower of the repayment tests)."""
    return person(demo["officer_411625"])


@pytest.fixture
def bank(demo):
    return demo["bank_officer"]
