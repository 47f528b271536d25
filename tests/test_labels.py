"""EnumLabels: one table of words per enum, complete or refused when the module loads."""

import enum

import pytest

from condiviso.labels import EnumLabels


class Colour(enum.StrEnum):
    RED = "red"
    GREEN = "green"


def test_a_label_is_found_by_member_or_by_stored_value():
    labels = EnumLabels({Colour.RED: "rosso", Colour.GREEN: "verde"})
    assert labels(Colour.RED) == labels("red") == labels["red"] == "rosso"
    assert list(labels.items()) == [(Colour.RED, "rosso"), (Colour.GREEN, "verde")]


def test_a_member_without_a_label_is_refused_at_once():
    with pytest.raises(ValueError, match="Colour has no label for GREEN"):
        EnumLabels({Colour.RED: "rosso"})


def test_a_value_that_is_no_member_is_an_error_not_a_blank():
    with pytest.raises(ValueError):
        EnumLabels({Colour.RED: "rosso", Colour.GREEN: "verde"})("blue")


def test_the_labels_speak_the_persons_language(app):
    from condiviso.accounts.roles import Role, role_label

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert role_label(Role.OPERATOR) == "Operator"
    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert role_label(Role.OPERATOR) == "Operatore"
