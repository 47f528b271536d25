"""run_form: a refusal of the input is shown on the form and undone; anything else is not its
business and reaches its own page (a suspended district's, say)."""

import pytest

from condiviso.database.session import TenantSuspended
from condiviso.errors import Conflict, InvalidInput
from condiviso.forms import ConfirmForm, run_form


def _raise(error):
    def change():
        raise error

    return change


def test_a_refusal_is_shown_on_the_form_with_its_status(app):
    with app.test_request_context(method="POST", data={}):
        form = ConfirmForm(meta={"csrf": False})
        outcome = run_form(form, _raise(Conflict("Già fatto.")))
        assert (outcome.done, outcome.status, form.form_errors) == (False, 409, ["Già fatto."])
        form = ConfirmForm(meta={"csrf": False})
        outcome = run_form(form, _raise(InvalidInput({"motivo": ["Scrivi il motivo."]})))
        assert (outcome.done, outcome.status, form.form_errors) == (
            False,
            400,
            ["Scrivi il motivo."],
        )


def test_a_change_that_goes_through_returns_its_result(app):
    with app.test_request_context(method="POST", data={}):
        outcome = run_form(ConfirmForm(meta={"csrf": False}), lambda: 42)
        assert (outcome.done, outcome.result) == (True, 42)


def test_a_suspended_district_is_not_a_refusal_of_the_input(app):
    with app.test_request_context(method="POST", data={}), pytest.raises(TenantSuspended):
        run_form(ConfirmForm(meta={"csrf": False}), _raise(TenantSuspended()))


def test_a_form_not_sent_runs_nothing(app):
    ran = []
    with app.test_request_context(method="GET"):
        outcome = run_form(ConfirmForm(meta={"csrf": False}), lambda: ran.append(1))
    assert (outcome.done, outcome.status, ran) == (False, 200, [])
