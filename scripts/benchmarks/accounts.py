"""The accounts benchmark: do registration, password reset and sign-in take as long for an
address that has an account as for one that has not? A difference would tell an attacker which
addresses are registered, whatever the page says.

Run it from anywhere in the repository with

    scripts/bench accounts

It needs PostgreSQL and Redis (see common.py) and takes about a minute. It works in
`.bench/accounts/` and in the `condiviso_bench_*` databases (removed at the start and at the end).

One district on PostgreSQL, the whole app in-process with production settings and jobs queued
in Redis (as in production: the e-mails wait for a worker, which this benchmark does not run).
Each form is sent ROUNDS times for addresses with an account and ROUNDS times for addresses
without, interleaved, each time from a client of its own (its own address, as an attacker
spreading requests would); the server's time is measured around each POST. The figure is the
ratio of the medians (with an account ÷ without): within 0.85-1.15 the two cannot be told apart
through a network, whose own jitter is larger.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from common import (
    DOMAIN,
    TRADATE,
    BenchError,
    Figure,
    check_postgresql_and_redis,
    clear_redis,
    close_app,
    csrf_token,
    deployment_settings,
    drop_bench_databases,
    open_app,
    print_summary,
    say,
)
from flask import Flask

from condiviso.accounts.models import RoleGrant, User
from condiviso.accounts.passwords import hash_password
from condiviso.districts import provisioning
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from condiviso.territory.services import sync_comuni

WORK = Path(__file__).resolve().parents[2] / ".bench" / "accounts"
TENANT = "conti"
HOST = f"{TENANT}.{DOMAIN}"
ACTOR = "bench:accounts"
PASSWORD = "una frase lunga per il benchmark"
ROUNDS = 60
WARM_UP = 5
LOW, HIGH = 0.85, 1.15


def build(app: Flask) -> int:
    """The district with one comune and 2 * (ROUNDS + WARM_UP) confirmed citizens; the comune."""
    with app.app_context():
        provisioning.provision_tenant(TENANT, "Ambito dei conti (benchmark)", ACTOR)
        with tenant_context(TENANT):
            sync_comuni([TRADATE])
            password_hash = hash_password(PASSWORD)
            for n in range(2 * (ROUNDS + WARM_UP)):
                user = User(
                    email=_known(n),
                    full_name=f"Persona {n}",
                    password_hash=password_hash,
                    email_verified_at=datetime.now(UTC),
                )
                user.grants.append(RoleGrant(role="citizen"))
                db.session.add(user)
            db.session.commit()
            return int(db.session.scalar(db.text("SELECT id FROM comune")))


def _known(n: int) -> str:
    return f"registrata{n}@esempio.example.org"


def _unknown(n: int) -> str:
    return f"sconosciuta{n}@esempio.example.org"


_addresses = iter(range(1, 1_000_000))


def _timed_post(app: Flask, path: str, data: dict[str, str]) -> float:
    """Milliseconds the server takes to answer the form at `path`, sent by a new client."""
    client = app.test_client()
    number = next(_addresses)
    client.environ_base.update(REMOTE_ADDR=f"10.9.{number // 256 % 256}.{number % 256}")
    page = client.get(path, base_url=f"https://{HOST}")
    token = csrf_token(page.text)
    if token is None:
        raise BenchError(f"no form at https://{HOST}{path} ({page.status_code})")
    started = time.perf_counter()
    response = client.post(
        path,
        base_url=f"https://{HOST}",
        data={**data, "csrf_token": token},
        headers={"Referer": f"https://{HOST}{path}"},
    )
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code >= 500 or response.status_code == 429:
        raise BenchError(f"{path} answered {response.status_code}")
    return elapsed


def compare(
    label: str, send: Callable[[str], float], known: Callable[[int], str]
) -> tuple[float, float]:
    """Median milliseconds (with an account, without) of `send`, interleaved."""
    with_account, without = [], []
    for n in range(ROUNDS + WARM_UP):
        first, second = (known(n), _unknown(n + 1000 * len(label)))
        pair = [(with_account, first), (without, second)]
        if n % 2:
            pair.reverse()
        for samples, address in pair:
            value = send(address)
            if n >= WARM_UP:
                samples.append(value)
    a, b = statistics.median(with_account), statistics.median(without)
    say(f"  {label}: with an account {a:.2f} ms, without {b:.2f} ms (medians of {ROUNDS})")
    return a, b


def main() -> int:
    started = time.perf_counter()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    say(f"Condiviso accounts benchmark: {ROUNDS} rounds per form; work folder {WORK}")
    try:
        check_postgresql_and_redis()
        shutil.rmtree(WORK, ignore_errors=True)
        WORK.mkdir(parents=True)
        app = open_app({**deployment_settings(WORK / "postgresql", "postgresql")})
        try:
            say("\nbuilding the district")
            comune_id = build(app)
            say("\nsending the forms")
            registration = compare(
                "registration",
                lambda email: _timed_post(
                    app,
                    "/registrati",
                    {
                        "full_name": "Maria Rossi",
                        "email": email,
                        "comune_id": str(comune_id),
                        "privacy": "y",
                    },
                ),
                _known,
            )
            offset = ROUNDS + WARM_UP
            reset = compare(
                "password reset",
                lambda email: _timed_post(app, "/password-dimenticata", {"email": email}),
                lambda n: _known(n + offset),
            )
            sign_in = compare(
                "wrong password",
                lambda email: _timed_post(
                    app, "/accedi", {"email": email, "password": "non è la password giusta"}
                ),
                lambda n: _known(n + offset),
            )
        finally:
            close_app(app)
        figures = []
        for name, (with_account, without) in (
            ("registration", registration),
            ("password reset", reset),
            ("sign-in with a wrong password", sign_in),
        ):
            ratio = with_account / without
            figures.append(
                Figure(
                    f"{name}: with an account ÷ without",
                    f"{ratio:.3f} ({with_account:.1f} / {without:.1f} ms)",
                    f"{LOW}-{HIGH}",
                    LOW <= ratio <= HIGH,
                )
            )
        print_summary(figures, time.perf_counter() - started)
        return 0
    except BenchError as error:
        say(f"\nbenchmark failed: {error}")
        return 1
    except KeyboardInterrupt:
        say("\nbenchmark interrupted")
        return 1
    finally:
        with contextlib.suppress(Exception):
            drop_bench_databases()
            clear_redis()


if __name__ == "__main__":
    sys.exit(main())
