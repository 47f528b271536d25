"""Which messages were delivered already, by Message-ID, so that a retried delivery job never
sends one twice: in this process's memory, and in Redis when configured (shared by every
worker, kept a week, beyond the retries of any message). While Redis fails, the process's own
record is all there is; the outage is logged once, by the app's Redis failure episode."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from condiviso.redis_connection import REDIS_FAILURES, get_redis, redis_episode, redis_key

KEEP_SECONDS = 7 * 24 * 3600
_MEMORY_SIZE = 10_000
_memory: OrderedDict[str, None] = OrderedDict()
_lock = threading.Lock()


def digest(message_id: str) -> str:
    """A short name for a Message-ID, safe in keys and file names."""
    return hashlib.sha256(message_id.strip().encode()).hexdigest()[:24]


def _key(message_id: str) -> str:
    return redis_key(f"mail:sent:{digest(message_id)}")


def _shared(command) -> object:
    """Run `command(client)` on Redis if it is configured and not known to be down."""
    client, episode = get_redis(), redis_episode()
    if client is None or not episode.should_try():
        return None
    try:
        result = command(client)
    except REDIS_FAILURES as error:
        episode.failed(error)
        return None
    episode.succeeded()
    return result


def already_sent(message_id: str) -> bool:
    """Whether the message was recorded as delivered, here or by another worker."""
    with _lock:
        if digest(message_id) in _memory:
            return True
    return bool(_shared(lambda client: client.exists(_key(message_id))))


def record_sent(message_id: str) -> None:
    """Remember that the message was delivered."""
    with _lock:
        _memory[digest(message_id)] = None
        while len(_memory) > _MEMORY_SIZE:
            _memory.popitem(last=False)
    _shared(lambda client: client.set(_key(message_id), "1", ex=KEEP_SECONDS))
