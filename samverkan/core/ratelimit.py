"""Per-client limits that hold under parallel requests and across app processes.

A counter row per (limit, client, time window), incremented and read in one SQL
statement (INSERT ... ON CONFLICT DO UPDATE ... RETURNING, on SQLite and PostgreSQL
alike), so thirty parallel requests against a limit of twenty see 1..30 and exactly
twenty get through. A cache's increment is a read and a write, which races.
"""

import datetime
import hashlib
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest
from django.utils import timezone

from .models import RateCounter

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'20/h' -> (20, 3600): how many requests in how many seconds."""
    count, _, period = rate.partition("/")
    unit = period[-1:] if period else "h"
    multiple = int(period[:-1]) if period[:-1] else 1
    return int(count), multiple * _PERIODS[unit]


def client_address(request: HttpRequest) -> str:
    """The client's address; behind a proxy, from the header named in the settings.

    The one answer for the intake limit, the login lockouts (django-axes) and the account
    library's own limits (allauth). Each proxy appends the address it received the request
    from to X-Forwarded-For, and the client can write anything in front: so the address is
    counted from the right, `CLIENT_IP_PROXY_COUNT` entries in (1: the one our own proxy
    wrote). Without the header, the address of the connection.
    """
    header = settings.CLIENT_IP_META_KEY
    value = request.META.get(header, "") if header else ""
    parts = [part.strip() for part in str(value).split(",") if part.strip()]
    if parts:
        return parts[-min(max(settings.CLIENT_IP_PROXY_COUNT, 1), len(parts))][:64]
    return str(request.META.get("REMOTE_ADDR") or "")[:64]


def axes_client_address(request: HttpRequest) -> str:
    """`client_address` as django-axes calls it (`AXES_CLIENT_IP_CALLABLE`)."""
    return client_address(request)


def hit(
    group: str, ident: str, rate: str, *, connection: BaseDatabaseWrapper | None = None
) -> bool:
    """Count one request of ``ident`` against ``rate``; True when it is over the limit."""
    if not settings.RATELIMIT_ENABLE:
        return False
    limit, seconds = parse_rate(rate)
    window = int(time.time()) // seconds
    digest = hashlib.sha256(f"{group}\0{ident}".encode()).hexdigest()[:40]
    key = f"{digest}:{seconds}:{window}"
    expires = timezone.now() + datetime.timedelta(seconds=seconds)
    connection = connection or connections[DEFAULT_DB_ALIAS]
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (key) DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [key, connection.ops.adapt_datetimefield_value(expires)],
        )
        (count,) = cursor.fetchone()
    return count > limit


def delete_expired_counters() -> int:
    deleted, _ = RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
