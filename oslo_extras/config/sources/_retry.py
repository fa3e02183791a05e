"""Retries with exponential backoff for every network call of a source."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import TypeVar

LOG = logging.getLogger(__name__)

T = TypeVar('T')


@dataclasses.dataclass
class RetryPolicy:
    """How long one call may take and how often it is tried again.

    :param timeout: seconds before one network call gives up (drivers pass
        it to their client)
    :param retries: extra attempts after the first failure
    :param backoff: seconds before the first retry, doubled each time
    :param max_backoff: upper bound of one wait
    """

    timeout: float = 5.0
    retries: int = 2
    backoff: float = 0.2
    max_backoff: float = 5.0

    def call(
        self,
        func: Callable[[], T],
        transient: Callable[[BaseException], bool],
        what: str = 'call',
    ) -> T:
        """Run ``func``; retry it while it raises a transient error.

        :param func: one network call
        :param transient: tells a failure worth another attempt (connection
            refused, timeout, server error) from a final one (not found,
            permission denied)
        :param what: names the call in debug logs
        :raises: the last exception ``func`` raised
        """
        delay = self.backoff
        attempt = 0
        while True:
            try:
                return func()
            except Exception as exc:
                if attempt >= self.retries or not transient(exc):
                    raise
                attempt += 1
                LOG.debug(
                    '%s failed (attempt %d of %d), retrying in %.2fs: %s',
                    what,
                    attempt,
                    self.retries + 1,
                    delay,
                    type(exc).__name__,
                )
                time.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
