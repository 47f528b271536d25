"""Euro amounts at the edges: what people type read into integer cents, or refused (None, never
a guess and never a crash); cents written back as Italians read them."""

from __future__ import annotations

import pytest

from plugins.wallet.money import format_cents, format_minutes, parse_cents, plain_cents


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("12", 1200),
        ("12,5", 1250),
        ("12,50", 1250),
        ("1.234,50", 123450),
        ("1.234.567,89", 123456789),
        ("12.50", 1250),
        ("12.5", 1250),
        ("1.234", 123400),
        (" 7 € ", 700),
        ("7€", 700),
        ("0,01", 1),
        ("0", 0),
    ],
)
def test_amounts_as_italians_write_them_are_read_into_cents(typed, cents):
    """Comma for the cents, dots grouping thousands, a trailing euro sign and spaces around."""
    assert parse_cents(typed) == cents


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "€",
        "abc",
        "-5",
        "+5",
        "1,234",
        "1e3",
        "12,505",
        "12,",
        ",50",
        "12,5,0",
        "1.23,50",
        "12.50.3",
        "0x10",
        "12 euro",
        None,
    ],
)
def test_what_is_not_an_amount_is_refused(typed):
    """Letters, a sign, three decimals, a float's exponent, a thousands group that is not of
    three digits: None, so the form says the amount is not valid instead of guessing."""
    assert parse_cents(typed) is None


@pytest.mark.parametrize(
    "typed",
    ["١٢", "\uff11\uff12", "१२", "1.٢٣٤,50"],
    ids=["arabic-indic", "full-width", "devanagari", "mixed"],
)
def test_digits_of_other_scripts_are_refused(typed):
    """Only the digits 0-9 make an amount: a digit of another script, which looks like a
    different number or like none, is refused rather than read."""
    assert parse_cents(typed) is None


def test_a_number_too_long_to_read_is_refused_not_a_crash():
    """Thousands of digits (a hostile form) are not an amount: None, not an exception."""
    assert parse_cents("9" * 5000) is None


@pytest.mark.parametrize(
    ("cents", "written"),
    [
        (0, "0,00 €"),
        (5, "0,05 €"),
        (50, "0,50 €"),
        (1250, "12,50 €"),
        (123450, "1.234,50 €"),
        (123456789, "1.234.567,89 €"),
        (-5, "-0,05 €"),
        (-250, "-2,50 €"),
        (-123450, "-1.234,50 €"),
    ],
)
def test_cents_are_written_as_italians_read_them(cents, written):
    assert format_cents(cents) == written


@pytest.mark.parametrize(
    ("cents", "written"),
    [(0, "0,00"), (5, "0,05"), (1250, "12,50"), (123450, "1234,50"), (-250, "-2,50")],
)
def test_plain_cents_have_no_euro_sign_and_no_thousands_dots(cents, written):
    """For exports: a spreadsheet in an Italian locale reads "1234,50" as a number."""
    assert plain_cents(cents) == written


@pytest.mark.parametrize("cents", [0, 1, 9, 10, 99, 100, 101, 999_99, 1_000_00, 123_456_789_01])
def test_what_is_written_reads_back_to_the_same_cents(cents):
    """An amount shown on a page or in an export, typed back into a form, is the same amount."""
    assert parse_cents(format_cents(cents)) == cents
    assert parse_cents(plain_cents(cents)) == cents


@pytest.mark.parametrize(
    ("minutes", "written"),
    [(90, "1 h 30 min"), (120, "2 h"), (45, "45 min"), (1, "1 min"), (61, "1 h 1 min")],
)
def test_minutes_are_written_as_hours_and_minutes(minutes, written):
    assert format_minutes(minutes) == written
