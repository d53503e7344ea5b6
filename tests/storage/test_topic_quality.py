"""The default topics find what they should: precision and recall >= 0.9 per topic on the
labelled set in tests/data/topic_labels.json, ingested through Store.ingest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from entries import entry as Entry

from storage.config import FeedConfig, default_config
from storage.store import Store

LABELS = Path(__file__).resolve().parents[1] / "data" / "topic_labels.json"
TOPIC_LABELS = {"Ukraine aid": "ukraine_aid", "EU migration": "eu_migration"}
THRESHOLD = 0.9
NOW = 1_790_000_000


def load_articles() -> list[dict[str, str]]:
    data = json.loads(LABELS.read_text(encoding="utf-8"))
    return data["articles"] if isinstance(data, dict) else data


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[float, float]]:
    articles = load_articles()
    store = Store(tmp_path_factory.mktemp("quality") / "news.db")
    store.sync_feeds([FeedConfig(url="https://labelled.example/rss")])
    store.sync_topics(default_config().topics)
    feed_id = store.feeds()[0].id
    store.ingest(
        feed_id,
        [Entry(str(a["id"]), a["title"], a["text"], NOW - i * 60) for i, a in enumerate(articles)],
        now=NOW,
    )
    label_of = {str(a["id"]): a["label"] for a in articles}
    out = {}
    for topic, label in TOPIC_LABELS.items():
        found = {
            row[0]
            for row in store.conn.execute(
                "SELECT a.guid FROM article_topics t JOIN topics p ON p.id = t.topic_id"
                " JOIN articles a ON a.id = t.article_id WHERE p.name = ?",
                (topic,),
            )
        }
        wanted = {guid for guid, lab in label_of.items() if lab == label}
        hits = len(found & wanted)
        precision = hits / len(found) if found else 0.0
        recall = hits / len(wanted)
        print(
            f"{topic}: precision {precision:.3f}, recall {recall:.3f} "
            f"({hits} of {len(wanted)} found, {len(found) - hits} wrong)"
        )
        out[topic] = (precision, recall)
    store.close()
    return out


@pytest.mark.parametrize("topic", list(TOPIC_LABELS))
def test_default_topic_precision_and_recall(
    scores: dict[str, tuple[float, float]], topic: str
) -> None:
    precision, recall = scores[topic]
    message = f"{topic}: precision {precision:.3f}, recall {recall:.3f} (need {THRESHOLD})"
    assert precision >= THRESHOLD, message
    assert recall >= THRESHOLD, message
