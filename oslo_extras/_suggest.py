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
    return Suggester(candidates).suggest(word, limit, cutoff)


class Suggester:
    """:func:`suggest` for many words against the same candidates.

    Prepares the candidates once, so looking up n words costs n searches,
    not n copies of the candidate list as well.
    """

    def __init__(self, candidates: Iterable[str]) -> None:
        self.choices = list(dict.fromkeys(candidates))
        self.lowered = [choice.lower() for choice in self.choices]

    def suggest(
        self, word: str, limit: int = 1, cutoff: float = DEFAULT_CUTOFF
    ) -> list[str]:
        """See :func:`suggest`."""
        if not self.choices:
            return []
        matches = process.extract(
            word.lower(),
            self.lowered,
            scorer=fuzz.ratio,
            limit=limit,
            score_cutoff=cutoff,
        )
        return [self.choices[index] for _match, _score, index in matches]
