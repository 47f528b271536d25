"""The requests' forms (WTForms): asking for a service (a guest also says how to be reached and
consents to the privacy notice), the citizen's page of a request (a message, or withdrawing it),
the desk's page (a new status with a note, or a message), and the inbox's filters. Each checks
what was written, with its messages, and reads it into what the services take."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Regexp, StopValidation

from condiviso.plugin_api import PHONE_NUMBER, FreeText, trimmed, whole_number
from plugins.requests.models import Status
from plugins.requests.services import GuestContact, InboxFilters, RequestInput

# The token a request form carries, which makes sending it twice make one request.
SUBMISSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LAST_PAGE = 10000


class OnlyIf:
    """WTForms validator, first of a field's: the field counts only when `applies(form)` (a page
    whose buttons send one form, each button its fields); otherwise its checks stop and any
    message it already has goes, as with WTForms' `Optional`."""

    def __init__(self, applies: Callable[[Any], bool]) -> None:
        self.applies = applies

    def __call__(self, form: FlaskForm, field: Any) -> None:
        if not self.applies(form):
            field.errors[:] = []
            raise StopValidation()


def _message_field(label: Any = None, *validators: Any) -> TextAreaField:
    return TextAreaField(
        label, filters=[trimmed], validators=[*validators, FreeText(2000, required=True)]
    )


# -- asking ----------------------------------------------------------------------------------------


class RequestForm(FlaskForm):
    """A signed-in person's request; the form's token (`submission`) makes it once."""

    submission = HiddenField()
    message = _message_field(_l("Di che cosa hai bisogno?"))
    preferred_times = StringField(
        _l("Quando preferisci essere contattato? (facoltativo)"),
        filters=[trimmed],
        validators=[FreeText(200)],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then the token: a form not drawn by this site is refused as a whole."""
        valid = super().validate(extra_validators)
        if not SUBMISSION_TOKEN.fullmatch(self.submission.data or ""):
            self.form_errors.append(_("Il modulo non è valido: ricarica la pagina e riprova."))
            valid = False
        return valid

    @property
    def next_submission(self) -> str:
        """The token the page carries: the one sent (sending the form again then makes one
        request), or a new one."""
        return self.submission.data or secrets.token_urlsafe(24)

    def request_input(self) -> RequestInput:
        """The request as the services take it."""
        return RequestInput(self.message.data, self.preferred_times.data)


class GuestRequestForm(RequestForm):
    """A guest's request: also a name, a phone number or an e-mail address (or both), and the
    consent to the privacy notice."""

    guest_name = StringField(
        _l("Nome e cognome"), filters=[trimmed], validators=[FreeText(120, required=True)]
    )
    guest_phone = StringField(
        _l("Telefono"),
        filters=[trimmed],
        validators=[
            FreeText(30),
            Regexp(
                PHONE_NUMBER, message=_l("Numero di telefono non valido (solo cifre, spazi e +).")
            ),
        ],
    )
    guest_email = StringField(_l("E-mail"), filters=[trimmed], validators=[FreeText(254)])
    privacy = BooleanField(
        _l("Ho letto l'informativa sulla privacy"),
        false_values=("",),
        validators=[
            DataRequired(
                _l(
                    "Per inviare la richiesta devi dichiarare di aver letto "
                    "l'informativa sulla privacy."
                )
            )
        ],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields; then an address that is one, and a phone number or an address at all (an
        address too long to keep counts as none)."""
        valid = super().validate(extra_validators)
        phone, email = self.guest_phone, self.guest_email
        kept_email = email.data if not email.errors else None
        if kept_email and not EMAIL.match(kept_email):
            email.errors.append(_("Indirizzo e-mail non valido."))
            valid = False
        if not phone.data and not phone.errors and not kept_email:
            phone.errors.append(_("Lascia un numero di telefono o un indirizzo e-mail."))
            valid = False
        return valid

    def request_input(self) -> RequestInput:
        email = self.guest_email.data
        guest = GuestContact(
            self.guest_name.data, self.guest_phone.data, email.lower() if email else None
        )
        return RequestInput(self.message.data, self.preferred_times.data, guest)


def request_form(user) -> RequestForm:
    """The form to ask for a service: a guest's (`user` None) or a signed-in person's."""
    return GuestRequestForm() if user is None else RequestForm()


# -- a request's pages -----------------------------------------------------------------------------


class CitizenForm(FlaskForm):
    """What the citizen sends from their request's page: a message, or (the button
    `action=cancel`) the withdrawal of the request."""

    action = HiddenField()
    body = _message_field(None, OnlyIf(lambda form: not form.cancelling))

    @property
    def cancelling(self) -> bool:
        return self.action.data == "cancel"


class DeskForm(FlaskForm):
    """What the desk sends from a request's page: a new status with a note for the citizen (the
    button `action=status`; a refusal needs one), or a message to the citizen."""

    action = HiddenField()
    status = SelectField(
        choices=[SelectChoice(status.value) for status in Status],
        validators=[OnlyIf(lambda form: form.moving)],
        invalid_choice_message=_l("Stato sconosciuto."),
    )
    reason = StringField(
        filters=[trimmed],
        validators=[
            OnlyIf(lambda form: form.moving),
            FreeText(300, message=_l("Al massimo 300 caratteri.")),
        ],
    )
    body = _message_field(None, OnlyIf(lambda form: not form.moving))

    @property
    def moving(self) -> bool:
        return self.action.data == "status"

    @property
    def target(self) -> Status:
        return Status(self.status.data)

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields of the button pressed; then, for a refusal, a reason."""
        valid = super().validate(extra_validators)
        refusing = self.moving and self.status.data == Status.REFUSED.value
        if refusing and not self.reason.data and not self.reason.errors:
            self.reason.errors.append(_("Spiega al cittadino perché la richiesta è rifiutata."))
            valid = False
        return valid


# -- the inbox -------------------------------------------------------------------------------------


def _status(value: Any) -> str | None:
    return value if value in {status.value for status in Status} else None


def _words(value: Any) -> str | None:
    return (value[:80] or None) if isinstance(value, str) else None


def _page(value: Any) -> int:
    return max(1, min(whole_number(value) or 1, LAST_PAGE))


class InboxForm(FlaskForm):
    """The inbox's filters, from the address (`?stato=…&comune=…`): a value that is not one of
    a filter's is no filter."""

    class Meta:
        csrf = False

    status = StringField(name="stato", filters=[_status])
    service_id = StringField(name="servizio", filters=[whole_number])
    comune_id = StringField(name="comune", filters=[whole_number])
    older_than_days = StringField(name="giorni", filters=[whole_number])
    service_words = StringField(name="titolo", filters=[_words])
    page = StringField(name="pagina", filters=[_page])

    def filters(self) -> InboxFilters:
        """The filters as the services take them."""
        return InboxFilters(
            status=self.status.data,
            service_id=self.service_id.data,
            comune_id=self.comune_id.data,
            older_than_days=self.older_than_days.data,
            service_words=self.service_words.data,
        )
