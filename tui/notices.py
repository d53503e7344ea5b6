"""'Ukraine aid: 3 new articles': noticing that a topic grew, and saying so once.

The dashboard re-reads every topic's count after each write it notices (its own poll,
or another process's). `NewArticles.observe` compares each topic's total with the last
one seen; growth waits in `pending` until `flush`, which the app calls when the writes
have settled (after its own poll, or once counts stop moving), so a poll that commits
feed by feed still gives one line per topic. A topic whose query changed was matched
again, not fed: its growth is not news. Pure bookkeeping, no Textual.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol


class TopicCount(Protocol):
    id: int
    name: str
    query: str
    total: int


@dataclass
class NewArticles:
    seen: dict[int, tuple[str, int]] | None = None  # topic id -> (query, total)
    pending: dict[int, tuple[str, int]] = field(default_factory=dict)  # id -> (name, new)

    def observe(self, topics: Iterable[TopicCount]) -> bool:
        """Take the latest counts; True when some topic grew since the last look."""
        topics = list(topics)
        grew = False
        if self.seen is not None:
            for topic in topics:
                before = self.seen.get(topic.id)
                if before is None or before[0] != topic.query or topic.total <= before[1]:
                    continue
                _, waiting = self.pending.get(topic.id, (topic.name, 0))
                self.pending[topic.id] = (topic.name, waiting + topic.total - before[1])
                grew = True
        self.seen = {t.id: (t.query, t.total) for t in topics}
        return grew

    def flush(self) -> list[str]:
        """One line per topic that grew, in the order they were seen; then forget them."""
        lines = [
            f"{name}: {n:,} new article{'' if n == 1 else 's'}" for name, n in self.pending.values()
        ]
        self.pending.clear()
        return lines
