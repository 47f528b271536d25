"""Which messages were delivered already, by Message-ID, so that a retried delivery job never
sends one twice: in Redis when configured (shared by every worker, kept a week, beyond the
retries of any message), else in this process's memory."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict

from condiviso.redis_connection import REDIS_FAILURES, get_redis, redis_key

log = logging.getLogger(__name__)

KEEP_SECONDS = 7 * 24 * 3600
_MEMORY_SIZE = 10_000
_memory: OrderedDict[str, None] = OrderedDict()
_lock = threading.Lock()


def digest(message_id: str) -> str:
    """A short name for a Message-ID, safe in keys and file names."""
    return hashlib.sha256(message_id.strip().encode()).hexdigest()[:24]


def _key(message_id: str) -> str:
    return redis_key(f"mail:sent:{digest(message_id)}")


def already_sent(message_id: str) -> bool:
    """Whether the message was recorded as delivered (unknown while Redis fails: False)."""
    client = get_redis()
    if client is None:
        with _lock:
            return digest(message_id) in _memory
    try:
        return bool(client.exists(_key(message_id)))
    except REDIS_FAILURES as error:
        log.warning("mail %s: cannot tell whether it was sent (%s); sending it", message_id, error)
        return False


def record_sent(message_id: str) -> None:
    """Remember that the message was delivered."""
    client = get_redis()
    if client is None:
        with _lock:
            _memory[digest(message_id)] = None
            while len(_memory) > _MEMORY_SIZE:
                _memory.popitem(last=False)
        return
    try:
        client.set(_key(message_id), "1", ex=KEEP_SECONDS)
    except REDIS_FAILURES as error:
        log.warning("mail %s sent, but not recorded as sent (%s)", message_id, error)
