"""What a plugin may use of the core: every name here, and nothing else (scripts/check_imports.py
holds plugins to it; docs/plugins.md describes each name and shows a whole plugin).

A name is added here when a plugin needs it, with its one-line description below it; the
modules behind these names may change, these names stay.
"""

# ruff: noqa: E402, F401  (each import is followed by its description; `__all__` lists them all)

# -- the plugin machinery -------------------------------------------------------------------------

from condiviso.plugins.hookspecs import hookimpl

"""Marks a function of the plugin module as the implementation of a hook (hookspecs.py)."""

from condiviso.plugins.navigation import NavEntry

"""An entry of the portal menu or of the administration page, with the roles that see it."""

from condiviso.plugins.web import tenant_hook

"""Calls a per-tenant hook on the plugins the district has enabled (for hooks a plugin defines
for others, like `condiviso_records_changed`)."""

from condiviso.plugins.enablement import set_plugin

"""Enables, disables or re-configures a plugin for a district, validated and audited (a plugin's
own settings page saves through it)."""

# -- districts ------------------------------------------------------------------------------------

from condiviso.tenancy import TenantInfo

"""The district as the registry holds it: slug, names, status, enabled plugins and settings."""

from condiviso.tenancy import TenantStatus

"""A district's lifecycle state: provisioning, active, suspended, offboarded."""

from condiviso.tenancy import current_tenant

"""The district the running request or job works for; raises if none is bound."""

from condiviso.tenancy import current_tenant_or_none

"""The district the running code works for, or None on the platform's own site."""

from condiviso.tenancy import find_tenant

"""A district by slug, as the registry holds it now; `NotFound` if there is none."""

from condiviso.tenancy import tenant_context

"""`with tenant_context(slug):` binds a district outside a request (jobs, commands)."""

from condiviso.tenancy.keys import district_key

"""32 secret bytes for one purpose of the current district (an HMAC key, say)."""

from condiviso.urls import tenant_host

"""A district's primary host: its primary verified custom domain, else its subdomain."""

from condiviso.urls import tenant_url

"""An absolute link to a path of a district's portal, for e-mails and printed sheets."""

# -- the database ---------------------------------------------------------------------------------

from condiviso.extensions import db

"""Flask-SQLAlchemy: models subclass `db.Model` (the district's database), queries use
`db.session`."""

from condiviso.database.session import TenantSuspended

"""Raised by a write to a suspended district: its data is read-only, and kept."""

from condiviso.encryption.sealed import EncryptedText

"""A column type: text encrypted (AES-GCM) under the bound district's key for a purpose."""

# -- time -----------------------------------------------------------------------------------------

from condiviso.clock import utcnow

"""Now, aware, in UTC: the value of every stored timestamp."""

from condiviso.clock import today

"""Today in the district's time zone (Europe/Rome unless configured)."""

from condiviso.clock import local_now

"""Now on the district's wall clock, without a time zone (opening hours, slots)."""

from condiviso.clock import district_zone

"""The districts' time zone, to show a stored UTC timestamp as local time."""

# -- errors ---------------------------------------------------------------------------------------

from condiviso.errors import CondivisoError

"""The base of the errors a person is shown, with their HTTP status and an Italian message."""

from condiviso.errors import Conflict

"""What was asked clashes with the state of things (409): nothing was changed."""

from condiviso.errors import InvalidInput

"""Input refused, with messages per field (400): nothing was changed."""

from condiviso.errors import NotFound

"""The thing asked for does not exist, or is not the person's to see (404)."""

# -- people and permissions -----------------------------------------------------------------------

from condiviso.accounts.roles import Role

"""The roles a person can hold in a district (citizen, operator, district admin, …)."""

from condiviso.accounts.roles import Audience

"""Who may open a view besides the district roles: everyone, signed-in people, guests only."""

from condiviso.accounts.roles import allow

"""`@allow(...)` on every view: the roles or audience that may open it (checked at start-up)."""

from condiviso.accounts.login import signed_in_user

"""The person signed in to this request (the model object), or None for a guest."""

from condiviso.accounts.models import User

"""A person's account in the district (citizen or staff), signing in by e-mail or phone."""

from condiviso.accounts.models import RoleGrant

"""One role a person holds, possibly scoped to a comune or a cooperative."""

from condiviso.accounts.lookup import find_by_username

"""The account that signs in with an e-mail address or a phone number, or None."""

from condiviso.accounts.phones import normalize_phone

"""A phone number in E.164, as accounts store it (`+393331234567`), or None if it is not one."""

from condiviso.accounts.assisted import ACCOUNT_RECORDS

"""The record types of a person's account among the audit rows they see at /i-miei-dati-sociali."""

from condiviso.audit.models import AccessAudit

"""One read or change of a sensitive record by a member of staff."""

from condiviso.audit.services import record_access

"""Adds an audit row for the signed-in person's action on a sensitive record (the person sees
it); the caller commits."""

from condiviso.audit.services import accesses

"""Audit rows, newest first, of a record or about a person."""

from condiviso.legal.services import current_version

"""The number of the district's published version of a legal page in a language, for consents."""

# -- territory ------------------------------------------------------------------------------------

from condiviso.territory.models import Comune

"""A comune of the district (ISTAT code, name, whether it leads the district)."""

from condiviso.territory.services import list_comuni

"""The district's comuni, by name."""

from condiviso.territory.services import comuni_choices

"""(id, name) of the district's comuni, by name, for select fields."""

# -- forms and validation -------------------------------------------------------------------------

from condiviso.labels import EnumLabels

"""The words people read for each member of an enum, complete or refused at import;
`labels(value)` or `labels[member]`."""

from condiviso.forms import ConfirmForm

"""A form that is only its CSRF token, for buttons that change something (revoke, cancel)."""

from condiviso.forms import FORM_EXPIRED

"""The message for a form whose CSRF token expired: nothing was done."""

from condiviso.forms import expired_form

"""`FORM_EXPIRED` as a form's errors (`{"_schema": [...]}`)."""

from condiviso.forms import form_page

"""The page that adds or changes one thing with a WTForms form: change, commit, flash, redirect;
or the form again with why it was refused."""

from condiviso.forms import run_form

"""Runs a change for a valid submission of a form and commits it; a refusal is rolled back and
shown on the form (an `Outcome`: done, result, status)."""

from condiviso.forms import DayField

"""A WTForms field for a day as a date input sends it (AAAA-MM-GG): `data` is the date, or None."""

from condiviso.forms import attach_errors

"""Puts an `InvalidInput`'s messages on the WTForms fields they name."""

from condiviso.forms import invalid

"""400 for a submitted form with errors, else 200: the status of a form page."""

from condiviso.forms import select_choices

"""Options of a WTForms select field from (value, label) pairs."""

from condiviso.forms import NO_CONTROL_CHARACTERS

"""WTForms validator: a one-line text without control characters."""

from condiviso.forms import NO_CONTROL_CHARACTERS_IN_TEXT

"""WTForms validator: a multi-line text without control characters but line breaks and tabs."""

from condiviso.forms import trimmed

"""WTForms filter: a text without the spaces around it, None when nothing is left."""

from condiviso.forms import FreeText

"""WTForms validator of a `trimmed` field: free text of at most n characters without control
characters, with `clean_text`'s messages (`required=True` refuses a blank one)."""

from condiviso.forms import shown_errors

"""A form's messages by field name (the whole form's under `_schema`), for pages drawn with
`partials/field.html` and `partials/errors.html`."""

from condiviso.forms import shown_values

"""What a form's fields hold (the text as sent, or the initial value), for pages drawn with
`partials/field.html`."""

from condiviso.schema_forms import build_form

"""The fields of an HTML form drawn from a marshmallow schema (a plugin's settings page)."""

from condiviso.schema_forms import parse_form

"""The values of a form drawn by `build_form`, as the schema loads them."""

from condiviso.validation import Schema

"""The marshmallow schema base, whose default messages speak the person's language."""

from condiviso.validation import flatten_errors

"""marshmallow's nested messages as `{"field.sub": [messages]}`, for `InvalidInput`."""

from condiviso.validation import clean_text

"""`data[field]` as trimmed free text or None; a problem (missing, too long, control
characters) goes into `errors[field]`."""

from condiviso.validation import deliverable_email

"""The HTML forms' e-mail check (email-validator) for schemas: refuses what a form would."""

from condiviso.validation import whole_number

"""A text as a whole number when it is one in ASCII digits, else None (never `isdigit` + `int`)."""

from condiviso.validation import CONTROL_CHARACTERS

"""The pattern of control characters free text must not carry (line breaks and tabs aside)."""

from condiviso.validation import PHONE_NUMBER

"""The pattern of a phone number as people type it (digits, spaces, dots, dashes, a +)."""

# -- files, mail, jobs, limits --------------------------------------------------------------------

from condiviso.files import sniff_image_type

"""The content type of image bytes from their first bytes, or None."""

from condiviso.files import image_problems

"""What is wrong with an uploaded image (type, size, a hostile SVG), as messages."""

from condiviso.files import storable_image

"""An accepted image as it is stored (an SVG drawn as PNG) and its content type."""

from condiviso.files import store_content

"""Keeps bytes in a folder of the district's files under their SHA-256; returns the digest."""

from condiviso.files import serve_content

"""A stored file as a response that cannot run code, cacheable for long; None if missing."""

from condiviso.static_files import category_icons

"""The icons the served sprite sheet holds for service categories."""

from condiviso.mail.delivery import send_mail

"""Renders an e-mail now and has the job queue deliver it for the district (retried while the
mail server is down); returns its Message-ID."""

from condiviso.mail.delivery import Attachment

"""A file attached to an e-mail (an .ics invitation, a PDF)."""

from condiviso.jobs import job

"""`@job("name")` registers a background job, retried on its intervals, run for a district by
the queue (or in process without Redis)."""

from condiviso.ratelimit import limited

"""`@limited("5/minute", scope=...)` on a view: limits its POSTs per site and address."""

# Every name imported above, and only those: each is part of the API.
__all__ = sorted(name for name in dir() if not name.startswith("_"))
