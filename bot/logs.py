"""Structured logs: one JSON object per line, fields passed as `extra={"fields": {...}}`."""

from __future__ import annotations

import json
import logging
import time

# One encoder for every line: json.dumps with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class JSONFormatter(logging.Formatter):
    """Render a record as one JSON line; never include anything not put there on purpose."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return _ENCODER.encode(entry)


def configure(level: str = "INFO") -> None:
    """Send every csj log to stderr as JSON lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(JSONFormatter())
    # The JSON lines never say where, in which thread or process a record was made: skip
    # gathering it (the logging HOWTO's "Optimization"), ~10 us of each webhook push's log line.
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
