"""Every vouchers test leaves a ledger that checks: sums zero, balances equal their entries, no
line or voucher below zero, each line's figures adding up."""

from __future__ import annotations

import pytest

from tests.vouchers.fixtures import build_vouchers_district, ledger_problems


@pytest.fixture(scope="module")
def district(app):
    import uuid

    return build_vouchers_district(app, f"v{uuid.uuid4().hex[:8]}")


@pytest.fixture(autouse=True)
def ledger_checked(request):
    yield
    if "district" in request.fixturenames:
        assert ledger_problems(request.getfixturevalue("district")) == []
