"""A record-level release that is k-anonymous (issue 17): every combination of the
quasi-identifiers it publishes occurs in at least k records (k = 11, as IOM's Counter-Trafficking
Data Collaborative publishes its records).

The method is Datafly (Sweeney, 1998), deterministic: while more records sit in combinations
rarer than k than may be suppressed, the quasi-identifier with the most distinct values is
generalised one step along its ladder (an age band widened, a year made a period, a country its
region, at the top "*": anything); then the records still in rarer combinations are suppressed
(left out, and counted). Pure: plain values in, plain values out.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

ANY = "*"  # a value generalised as far as it goes: it says nothing

# Each quasi-identifier's ladder: its generalisations in order, the first the value itself, the
# last (implicitly) ANY. A step maps a value of the level below to one of its level.
Step = Callable[[str], str]


@dataclass(frozen=True)
class Ladder:
    name: str
    steps: tuple[Step, ...] = ()  # beyond the value itself, before ANY

    @property
    def top(self) -> int:
        """The level at which every value is ANY."""
        return len(self.steps) + 1

    def at(self, value: str, level: int) -> str:
        """The value generalised to `level` (0: itself)."""
        if level >= self.top:
            return ANY
        for step in self.steps[:level]:
            value = step(value)
        return value


@dataclass(frozen=True)
class Release:
    """The records as released (each a tuple of the quasi-identifiers' values, then the rest),
    each quasi-identifier's level of generalisation, and how many records were left out."""

    records: list[tuple]
    levels: dict[str, int]
    suppressed: int


def classes(records: Sequence[tuple], width: int) -> Counter:
    """How often each combination of the first `width` values occurs."""
    return Counter(tuple(r[:width]) for r in records)


def is_k_anonymous(records: Sequence[tuple], width: int, k: int) -> bool:
    """Every combination of the first `width` values occurs in at least k of the records."""
    return all(n >= k for n in classes(records, width).values())


def anonymise(
    records: Sequence[tuple], ladders: Sequence[Ladder], k: int, max_suppressed: int | None = None
) -> Release:
    """The records with their first len(ladders) values (the quasi-identifiers) generalised and
    the rarest left out, so that the release is k-anonymous. At most `max_suppressed` records
    are left out before generalising further (default: k - 1, what one rare combination holds)."""
    width = len(ladders)
    limit = k - 1 if max_suppressed is None else max_suppressed
    levels = [0] * width

    def generalised() -> list[tuple]:
        return [
            tuple(ladder.at(str(r[i]), levels[i]) for i, ladder in enumerate(ladders))
            + tuple(r[width:])
            for r in records
        ]

    released = generalised()
    while True:
        counts = classes(released, width)
        rare = sum(n for n in counts.values() if n < k)
        if rare <= limit:
            break
        open_ = [i for i in range(width) if levels[i] < ladders[i].top]
        if not open_:
            break
        distinct = {i: len({r[i] for r in released}) for i in open_}
        widest = max(open_, key=lambda i: (distinct[i], -i))
        levels[widest] += 1
        released = generalised()
    counts = classes(released, width)
    kept = [r for r in released if counts[tuple(r[:width])] >= k]
    kept.sort(key=lambda r: tuple(str(v) for v in r))
    return Release(
        records=kept,
        levels={ladder.name: level for ladder, level in zip(ladders, levels, strict=True)},
        suppressed=len(released) - len(kept),
    )
