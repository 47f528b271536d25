"""The branding settings schema: readable colours, safe links, Italian messages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from condiviso.errors import InvalidInput
from condiviso.extensions import db
from condiviso.plugins import enablement, get_plugins
from condiviso.tenancy import registry
from condiviso.tenancy.models import RegistryAudit
from plugins.branding.contrast import contrast_ratio
from tests.districts import ACTOR


def _validate(app, settings, language="it"):
    with app.test_request_context(headers={"Accept-Language": language}):
        return get_plugins().validate_settings("branding", settings)


def test_contrast_ratio_follows_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#0066cc", "#ffffff") == pytest.approx(5.57, abs=0.01)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_a_colour_failing_aa_with_white_text_is_refused_with_the_reason(app):
    with pytest.raises(InvalidInput) as refused:
        _validate(app, {"primary_color": "#ffcc00"})
    (message,) = refused.value.errors["primary_color"]
    assert "#ffcc00" in message and "1,5:1" in message and "4,5:1" in message
    assert "WCAG AA" in message


def test_the_darkest_passing_grey_is_accepted(app):
    assert _validate(app, {"primary_color": "#767676"})["primary_color"] == "#767676"


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"primary_color": "blue"}, "primary_color"),
        ({"primary_color": 12}, "primary_color"),
        ({"footer_links": [{"label": "x", "url": "javascript:alert(1)"}]}, "footer_links.0.url"),
        ({"footer_links": [{"label": "", "url": "/a"}]}, "footer_links.0.label"),
        ({"footer_links": [{"label": "<b>x</b>", "url": "/a"}]}, "footer_links.0.label"),
        ({"footer_links": [{"label": "a", "url": "/a"}] * 13}, "footer_links"),
        ({"contacts": {"email": "not-an-address"}}, "contacts.email"),
        ({"contacts": {"phone": "call me"}}, "contacts.phone"),
        ({"display_name": "x" * 121}, "display_name"),
        ({"logo": "../../etc/passwd"}, "logo"),
        ({"unexpected": True}, "unexpected"),
    ],
)
def test_invalid_settings_name_the_field(app, settings, field):
    with pytest.raises(InvalidInput) as refused:
        _validate(app, settings)
    assert field in refused.value.errors


def test_messages_follow_the_language(app):
    with pytest.raises(InvalidInput) as refused:
        _validate(app, {"contacts": {"email": "nope"}}, language="en")
    assert refused.value.errors["contacts.email"] == ["Not a valid e-mail address."]


def test_invalid_settings_are_not_stored(app, alpha):
    with app.app_context():
        before = registry.get_tenant("alpha").plugin("branding").settings
        audits = db.session.scalar(sa.select(sa.func.count()).select_from(RegistryAudit))
        with pytest.raises(InvalidInput):
            enablement.set_plugin("alpha", "branding", ACTOR, True, {"primary_color": "#eeeeee"})
        db.session.rollback()
        assert registry.get_tenant("alpha").plugin("branding").settings == before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistryAudit)) == audits
