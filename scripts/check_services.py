"""Fail with a clear message when PostgreSQL or Redis (needed by the test suite) is unreachable."""

import sys

import psycopg
import redis
import sqlalchemy as sa

HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
    "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log",
}


def main(postgres_url: str, redis_url: str) -> int:
    failures = []
    url = sa.make_url(postgres_url).set(drivername="postgresql", database="postgres")
    try:
        psycopg.connect(url.render_as_string(hide_password=False), connect_timeout=3).close()
    except Exception as error:
        failures.append(("PostgreSQL", url.render_as_string(hide_password=True), error))
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as error:
        failures.append(("Redis", redis_url, error))
    for name, where, error in failures:
        print(f"{name} is not reachable at {where}: {error}", file=sys.stderr)
        print(f"  start it with: {HOW_TO_START[name]}", file=sys.stderr)
    if failures:
        print(
            "The suite runs against PostgreSQL and Redis; it does not skip them.", file=sys.stderr
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
