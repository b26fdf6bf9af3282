"""Log lines that repeat: the first one, then at most one a period with a count."""

import logging
import time
from typing import Any


class RateLimitedLog:
    """A repeated log line: the first one, then at most one a ``period`` with how many came since."""

    def __init__(self, logger: logging.Logger, period: float = 60.0) -> None:
        """Log to ``logger``, at most one line every ``period`` seconds."""
        self._logger = logger
        self._period = period
        self._last: float | None = None
        self._since = 0

    def log(self, level: int, message: str, *args: Any, exc_info: BaseException | None = None) -> None:
        """Log the line at ``level``, or count it if one was logged less than a ``period`` ago."""
        now = time.monotonic()
        if self._last is not None and now - self._last < self._period:
            self._since += 1
            return
        if self._since:
            message += " (%d more like it in the last %d s)"
            args = (*args, self._since, round(now - (self._last or now)))
        self._logger.log(level, message, *args, exc_info=exc_info)
        self._last, self._since = now, 0

    def warning(self, message: str, *args: Any, exc_info: BaseException | None = None) -> None:
        """Log the line as a warning, as ``log`` does."""
        self.log(logging.WARNING, message, *args, exc_info=exc_info)
