"""Did-you-mean suggestions shared by config checks and policy lint."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz
from rapidfuzz import process

#: Below this similarity (0-100) a candidate is noise, not a suggestion.
DEFAULT_CUTOFF = 75.0


def suggest(
    word: str,
    candidates: Iterable[str],
    limit: int = 1,
    cutoff: float = DEFAULT_CUTOFF,
) -> list[str]:
    """Return up to ``limit`` candidates that ``word`` is probably a typo of.

    Best match first. Comparison ignores case, so ``Debug`` finds ``debug``.
    """
    choices = list(dict.fromkeys(candidates))
    if not choices:
        return []
    lowered = [choice.lower() for choice in choices]
    matches = process.extract(
        word.lower(),
        lowered,
        scorer=fuzz.ratio,
        limit=limit,
        score_cutoff=cutoff,
    )
    return [choices[index] for _match, _score, index in matches]
