"""structlog set-up: JSON lines when not on a terminal (or LOG_FORMAT=json), else console."""

from __future__ import annotations

import logging
import sys

import structlog

SECRET_BEARING_LOGGERS = ("httpx", "httpcore")


def current_stderr_logger(*_arguments: object) -> structlog.PrintLogger:
    return structlog.PrintLogger(sys.stderr)


def configure(log_format: str | None = None, level: int | str = logging.INFO) -> None:
    if isinstance(level, str):
        level = logging.getLevelNamesMapping()[level.upper()]
    if log_format is None:
        log_format = "console" if sys.stderr.isatty() else "json"
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # sys.stderr as it is when a line is written, not as it was when logging was set up: a
        # stream replaced since (a test's capture, a daemon's redirect) is never written closed.
        logger_factory=current_stderr_logger,
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # httpx and httpcore log every request URL at INFO/DEBUG, and the Graph API token travels in
    # the query string: they stay at WARNING whatever LOG_LEVEL says.
    for name in SECRET_BEARING_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
