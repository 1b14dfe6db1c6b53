"""Tokens never reach the logs: uvicorn's access and connection lines show the path with its query
(`?token=…` on page links and sockets) and report shares carry theirs in the path."""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(r"((?:^|[?&])token=)[^&\s\"]+|(/shared/)[^/?\s\"]+")
REDACTED = "…"


def redact(text: str) -> str:
    return _SECRET.sub(lambda m: (m.group(1) or m.group(2)) + REDACTED, text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install() -> None:
    """Filter uvicorn's loggers (idempotent: the app may be built more than once in a process)."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
