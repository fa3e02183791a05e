"""Retries with exponential backoff for every network call of a source.

The loop is tenacity's; this module only maps a source's options
(``retries``, ``retry_backoff``, ``timeout``) onto it.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import TypeVar

import tenacity

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

        def log_retry(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            LOG.debug(
                '%s failed (attempt %d of %d), retrying in %.2fs: %s',
                what,
                state.attempt_number,
                self.retries + 1,
                state.upcoming_sleep,
                type(exc).__name__,
            )

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.retries + 1),
            # backoff, 2 * backoff, 4 * backoff... at most max_backoff.
            wait=tenacity.wait_exponential(
                multiplier=self.backoff, max=self.max_backoff
            ),
            retry=tenacity.retry_if_exception(
                lambda exc: isinstance(exc, Exception) and transient(exc)
            ),
            before_sleep=log_retry,
            # time.sleep looked up per call, so tests can replace it.
            sleep=lambda seconds: time.sleep(seconds),
            reraise=True,
        )
        return retrying(func)
