"""How long to wait before trying again: the one backoff of the stream and the outbox."""

import random

# 2**16 times the first delay is beyond any cap in use; a larger exponent would only risk overflow
# after days of retrying (2.0**1024 raises).
_MAX_EXPONENT = 16


def backoff_delay(attempt: int, minimum: float, maximum: float) -> float:
    """Return the delay before attempt ``attempt``: exponential backoff with jitter, capped.

    ``minimum`` doubled per attempt up to ``maximum``, each drawn between half and all of it.
    """
    ceiling = min(maximum, minimum * 2.0 ** min(attempt, _MAX_EXPONENT))
    return ceiling / 2 + random.random() * ceiling / 2  # noqa: S311 - jitter, not cryptography
