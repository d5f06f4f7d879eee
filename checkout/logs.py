"""One logging set-up for the web app and the worker: JSON lines on stderr, each with the
request id of the request it belongs to (X-Request-Id), so one request's lines can be found
across workers and hosts.

Nothing secret is logged: PINs, passwords, tokens and keys never reach a log call, and the
access log (hypercorn.toml) omits query strings.
"""

import contextvars
import json
import logging
import logging.config
from datetime import UTC, datetime

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else was passed with extra={...} and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request's id when it is made (formatting may
    happen later, elsewhere)."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        if current is not None:
            record.requestId = current
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """Our own loggers ("checkout.*") write JSON lines to stderr. Only they get the handler:
    one on the root logger would print Hypercorn's own lines a second time."""
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"json": {"()": JsonLines}},
            "filters": {"request_id": {"()": RequestIdFilter}},
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "formatter": "json",
                    "filters": ["request_id"],
                }
            },
            "loggers": {
                "checkout": {"handlers": ["stderr"], "level": level, "propagate": False},
                "httpx": {"level": "WARNING"},
            },
        }
    )
