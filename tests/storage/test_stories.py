"""Same story, many outlets: grouping quality on a labelled set, the matching rules, and
the read side (one row per story, each outlet's version, marking a story read)."""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from entries import entry as make_entry

from storage import stories, story_match
from storage.config import FeedConfig, TopicConfig
from storage.listing import View
from storage.parse import Entry
from storage.store import Store
from storage.story_match import Features, features, similarity

DATA = Path(__file__).parents[1] / "data" / "story_groups.json"
NOW = 1_800_000_000
HOUR = 3600


def entry(guid: str, title: str, lead: str, published: int = NOW) -> Entry:
    """A feed entry whose summary is the lead (what story grouping reads)."""
    return make_entry(guid, title, lead, published, summary=lead, html=f"<p>{lead}</p>")


def open_store(tmp_path: Path, feeds: int = 3) -> tuple[Store, list[int]]:
    store = Store(tmp_path / "news.db")
    store.sync_feeds([FeedConfig(url=f"https://outlet{i}.example/rss") for i in range(feeds)])
    return store, [f.id for f in store.feeds()]


def story_ids(store: Store) -> dict[str, int]:
    return dict(store.conn.execute("SELECT guid, story_id FROM articles").fetchall())


# -- quality on the labelled set -------------------------------------------------------


def ingest_labelled(tmp_path: Path, precomputed: bool = False) -> tuple[list[dict], dict[str, int]]:
    """Feed the set through the real Store as a poller would: one feed per outlet, a
    poll every two hours, each feed's articles published since its last poll in one
    batch. `precomputed`: with their story terms worked out before, as the parse
    process does."""
    articles = json.loads(DATA.read_text())["articles"]
    outlets = sorted({a["outlet"] for a in articles})
    store = Store(tmp_path / "labelled.db")
    store.sync_feeds(
        [FeedConfig(url=f"https://feed{i}.example/rss", title=o) for i, o in enumerate(outlets)]
    )
    feed_of = {f.title: f.id for f in store.feeds()}
    start = max(a["hours_ago"] for a in articles) + 2
    for poll in range(start, -1, -2):  # hours ago of each poll, oldest first
        due: dict[str, list[dict]] = defaultdict(list)
        for a in articles:
            if poll <= a["hours_ago"] < poll + 2:
                due[a["outlet"]].append(a)
        for outlet, batch in sorted(due.items()):
            entries = [
                entry(a["id"], a["title"], a["lead"], NOW - a["hours_ago"] * HOUR) for a in batch
            ]
            known = story_match.known_features(entries) if precomputed else None
            store.ingest(feed_of[outlet], entries, now=NOW - poll * HOUR, story_features=known)
    found = story_ids(store)
    store.close()
    return articles, found


def test_terms_worked_out_beforehand_give_the_same_stories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, expected = ingest_labelled(tmp_path / "a")
    calls: list[str] = []

    def counted(title: str, lead: str) -> Features:
        calls.append(title)
        return features(title, lead)

    monkeypatch.setattr(stories, "features", counted)
    _, found = ingest_labelled(tmp_path / "b", precomputed=True)
    assert found == expected
    assert calls == []  # the writer used every term it was given


def test_terms_given_for_other_text_are_not_used() -> None:
    given = story_match.known_features([entry("x", "Sea wall breached", "Floods in Hull.")])
    assert list(given) == [("Sea wall breached", "Floods in Hull.")]
    no_summary = make_entry("y", "Title", "Body text here.", NOW, summary="")
    assert list(story_match.known_features([no_summary])) == [("Title", "Body text here.")]


def pairwise(articles: list[dict], found: dict[str, int]) -> dict[str, tuple[int, int, int]]:
    """(true positives, false positives, false negatives) of article pairs, overall and
    by language pair (same language or a translation)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for a, b in itertools.combinations(articles, 2):
        labelled = a["group"] == b["group"]
        grouped = found[a["id"]] == found[b["id"]]
        kind = "same language" if a["lang"] == b["lang"] else "translation"
        for key in ("all", kind):
            counts[key][0] += labelled and grouped
            counts[key][1] += grouped and not labelled
            counts[key][2] += labelled and not grouped
    return {k: (v[0], v[1], v[2]) for k, v in counts.items()}


def test_labelled_set_is_big_and_varied_enough() -> None:
    articles = json.loads(DATA.read_text())["articles"]
    sizes = Counter(a["group"] for a in articles)
    groups = [g for g, n in sizes.items() if n > 1]
    assert len(articles) >= 120
    assert len(groups) >= 30 and all(2 <= sizes[g] <= 6 for g in groups)
    assert sum(1 for n in sizes.values() if n == 1) >= 30
    assert {a["lang"] for a in articles} == {"en", "de", "fr", "es"}
    for g in groups:  # each group's articles come from different outlets
        outlets = [a["outlet"] for a in articles if a["group"] == g]
        assert len(set(outlets)) == len(outlets), g


def test_grouping_quality_on_labelled_set(tmp_path: Path) -> None:
    articles, found = ingest_labelled(tmp_path)
    counts = pairwise(articles, found)
    lines = []
    for key in ("all", "same language", "translation"):
        tp, fp, fn = counts[key]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        lines.append(
            f"{key}: precision {precision:.3f} recall {recall:.3f} (tp={tp} fp={fp} fn={fn})"
        )
    report = "story grouping, pairwise on the labelled set: " + "; ".join(lines)
    print(report)
    tp, fp, fn = counts["all"]
    assert tp / (tp + fp) >= 0.95 and tp / (tp + fn) >= 0.8, report


# -- the matching rules ----------------------------------------------------------------

PATRIOT_EN = (
    "Germany to deliver two more Patriot systems to Ukraine",
    "Defence Minister Katrin Vollmer said Berlin would hand over two additional Patriot "
    "air defence systems to Ukraine, with 600 interceptor missiles.",
)


LABELLED = {a["id"]: a for a in json.loads(DATA.read_text())["articles"]}


def labelled(article_id: str) -> Features:
    return features(LABELLED[article_id]["title"], LABELLED[article_id]["lead"])


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("s001", "s002"),  # a rewritten headline: Patriot, Vollmer, 600 in both
        ("s046", "s047"),  # a rewrite that shares a name and a rate only
        ("s001", "s003"),  # German: "Deutschland", "Patriot-Systeme", "zwei Milliarden"
        ("s001", "s004"),  # French: "L'Allemagne", "systèmes Patriot", "2 milliards"
        ("s039", "s040"),  # Spanish: "500.000", "España", Sarrión
        ("s046", "s048"),  # German: "EZB", "Frankfurt", "2,0 Prozent"
        ("s054", "s056"),  # Spanish: "magnitud 6,1", "Turquía", Malatya
    ],
)
def test_versions_of_one_story_match(first: str, second: str) -> None:
    assert similarity(labelled(first), labelled(second)) > 0


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("s020", "s024"),  # interior and foreign ministers, both in Luxembourg that day
        ("s001", "s072"),  # German Patriots; Lithuania's German-made IRIS-T, same day
        ("s009", "s012"),  # Norway's NASAMS; a Nordic package that Norway pays into
        ("s031", "s074"),  # a shipwreck off Lampedusa; a rescue off Crete, same day
        ("s001", "s110"),  # Vollmer's Patriots; a budget that names Vollmer's ministry
        ("s005", "s115"),  # Dutch-funded Patriot missiles; a German Patriot arriving
        ("s046", "s119"),  # the ECB and the Bank of England holding rates, same day
        ("s001", "s046"),  # unrelated
    ],
)
def test_same_topic_but_another_event_does_not_match(first: str, second: str) -> None:
    assert similarity(labelled(first), labelled(second)) == 0


def test_numbers_and_spellings_meet_across_languages() -> None:
    en = features("Kharkiv", "About 112,000 crossings, 6.1 magnitude, two systems.").terms
    de = features("Charkiw", "Rund 112.000 Übertritte, Stärke 6,1, zwei Systeme.").terms
    fr = features("Kharkiv", "Environ 112 000 franchissements, magnitude 6,1.").terms
    for term in ("#112000", "#6.1"):
        assert term in en and term in de and term in fr
    assert set(features("Kharkiv", "").terms) == set(features("Charkiw", "").terms)
    assert "@de" in features("Deutschland", "die deutsche Regierung").terms


def test_words_skipped_as_known_still_tell_where_sentences_start() -> None:
    """`features` looks only at words that bring a term; a word it skips still decides
    whether the next one opens a sentence, with the word cache cold or warm."""
    lead = "Officials said. Quillon rose; the — Marvek fell, then 5 000 left."
    story_match.forget_words()
    cold = features("", lead).terms  # nothing cached
    assert features("", lead).terms == cold  # every word cached
    assert "quilo" not in cold  # opens a sentence after "said." and is nowhere else
    assert "marve" in cold  # after "the" and a bare dash: mid-sentence
    assert "#5000" in cold  # "5 000" is one figure


def test_stored_keys_stay_the_same() -> None:
    """Databases hold these keys and fingerprints: a new version or another process
    (str hashes are randomised per process) must compute the same ones, or articles
    stored before would no longer meet their later versions. Values from 1617c07."""
    found = features(*PATRIOT_EN)
    assert found.keys == [
        (1253720241, 4.0),
        (3786762466, 3.0),
        (3337979312, 3.0),
        (2142484318, 3.0),
        (3738495530, 3.0),
    ]
    assert (found.places, found.anchors, found.text_hash) == (8589934720, 20.0, 1780611366193901174)
    german = features(
        "Deutschland liefert 112 000 Schuss", "Rund 112.000 Schuss Munition, sagte Vollmer."
    )
    assert german.keys == [
        (3079170724, 4.0),
        (2236540867, 3.0),
        (2142484318, 3.0),
        (1518311342, 3.0),
    ]
    assert (german.places, german.text_hash) == (128, -6854364977095789418)


def test_verbatim_copies_match_without_names() -> None:
    text = ("heavy rain expected across the north tonight", "forecasters warn of local floods")
    assert similarity(features(*text), features(*text)) > 0


# -- ingest ------------------------------------------------------------------------------


def labelled_entry(article_id: str, published: int = NOW) -> Entry:
    return entry(article_id, LABELLED[article_id]["title"], LABELLED[article_id]["lead"], published)


def test_versions_in_other_feeds_join_the_first_articles_story(tmp_path: Path) -> None:
    store, feeds = open_store(tmp_path)
    first = store.ingest(feeds[0], [labelled_entry("s001", NOW - 7200)], now=NOW - 7000)
    store.ingest(feeds[1], [labelled_entry("s003", NOW - 3600)], now=NOW - 3000)
    store.ingest(feeds[2], [labelled_entry("s072")], now=NOW)
    ids = story_ids(store)
    assert ids["s001"] == ids["s003"] == first.new_ids[0]
    assert ids["s072"] != ids["s001"]


@pytest.mark.parametrize(
    ("second_feed", "days_apart"),
    [(0, 0), (1, 4)],  # the same feed's follow-up; another feed's, four days later
)
def test_no_story_across_one_feed_or_beyond_the_window(
    tmp_path: Path, second_feed: int, days_apart: int
) -> None:
    store, feeds = open_store(tmp_path)
    earlier = NOW - days_apart * 86400 - 3600
    store.ingest(feeds[0], [entry("a", *PATRIOT_EN, earlier)], now=earlier)
    store.ingest(feeds[second_feed], [entry("b", *PATRIOT_EN)], now=NOW)
    ids = story_ids(store)
    assert ids["a"] != ids["b"]


def test_an_updated_article_keeps_its_story(tmp_path: Path) -> None:
    store, feeds = open_store(tmp_path)
    store.ingest(feeds[0], [entry("a", *PATRIOT_EN)], now=NOW)
    store.ingest(feeds[1], [entry("b", *PATRIOT_EN)], now=NOW)
    before = story_ids(store)
    store.ingest(feeds[1], [entry("b", "Completely different title", "And a new lead.")], now=NOW)
    assert story_ids(store) == before


def test_new_articles_are_inserted_with_their_story(tmp_path: Path) -> None:
    store, feeds = open_store(tmp_path)
    store.ingest(feeds[0], [entry("a", *PATRIOT_EN)], now=NOW)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    store.ingest(feeds[1], [entry("b", *PATRIOT_EN), entry("c", "Rain in the north", "Wet.")])
    store.conn.set_trace_callback(None)
    ids = story_ids(store)
    own = dict(store.conn.execute("SELECT guid, id FROM articles").fetchall())
    assert ids == {"a": own["a"], "b": own["a"], "c": own["c"]}
    # The insert wrote the story id: no second write of the row.
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE ARTICLES")]


def test_an_id_other_than_the_one_foreseen_still_gets_its_story(tmp_path: Path) -> None:
    store, feeds = open_store(tmp_path)
    # With the largest id taken, SQLite picks a random free one for the next row.
    store.conn.execute(
        "INSERT INTO articles (id, feed_id, guid, published, content_hash, first_seen,"
        " story_id) VALUES (?, ?, 'last', ?, '', ?, ?)",
        (2**63 - 1, feeds[2], NOW, NOW, 2**63 - 1),
    )
    store.conn.commit()
    store.ingest(feeds[0], [entry("a", *PATRIOT_EN)], now=NOW)
    store.ingest(feeds[1], [entry("b", *PATRIOT_EN)], now=NOW)
    (a,) = store.conn.execute("SELECT id FROM articles WHERE guid = 'a'").fetchone()
    assert a != 2**63 and story_ids(store)["a"] == a
    assert story_ids(store)["b"] == a  # and its keys were indexed under that story


def test_articles_stored_without_a_story_get_one_when_updated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, feeds = open_store(tmp_path)
    monkeypatch.setattr(stories, "GROUPING", False)  # as stored before grouping existed
    store.ingest(feeds[0], [entry("a", *PATRIOT_EN)], now=NOW)
    store.ingest(feeds[1], [entry("b", PATRIOT_EN[0], "First version.")], now=NOW)
    monkeypatch.setattr(stories, "GROUPING", True)
    store.ingest(feeds[1], [entry("b", *PATRIOT_EN)], now=NOW)  # updated
    ids = story_ids(store)
    assert ids["a"] is None  # not updated: left as it was
    assert ids["b"] == store.conn.execute("SELECT id FROM articles WHERE guid = 'b'").fetchone()[0]
    store.ingest(feeds[2], [entry("c", *PATRIOT_EN)], now=NOW)
    assert story_ids(store)["c"] == ids["b"]


def test_grouping_can_be_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stories, "GROUPING", False)
    store, feeds = open_store(tmp_path)
    store.ingest(feeds[0], [entry("a", *PATRIOT_EN)], now=NOW)
    store.ingest(feeds[1], [entry("b", *PATRIOT_EN)], now=NOW)
    assert set(story_ids(store).values()) == {None}
    assert store.story_count(View()) == 2  # ungrouped articles are stories of their own
    assert [len(store.story_articles(r.story_id)) for r in store.story_page(View())] == [1, 1]


def test_candidates_come_from_the_key_index(tmp_path: Path) -> None:
    store, feeds = open_store(tmp_path)
    store.ingest(feeds[0], [entry("a", *PATRIOT_EN)], now=NOW)
    params = [111, NOW - 1000, NOW + 1000, 32, 6, 222, NOW - 1000, NOW + 1000, 32, 6, 1, 12]
    sql = "EXPLAIN QUERY PLAN " + stories._lookup_sql(2)
    plan = [row[-1] for row in store.conn.execute(sql, params)]
    reads = [step for step in plan if step.startswith(("SEARCH", "SCAN story_keys", "SCAN s "))]
    seek = "USING PRIMARY KEY (key=? AND published>? AND published<?)"
    # Per key: the capped count, then the postings; both seek a range of the primary key.
    assert len(reads) == 4 and all(seek in step for step in reads)
    # The count decides first (a one-row co-routine), so a common key's postings are
    # never walked: the postings' seek comes after the scan of that row.
    assert plan.index("SCAN rare") < plan.index(reads[1])


def test_ingest_prunes_a_slice_of_old_keys_now_and_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stories, "PRUNE_EVERY", 1)
    monkeypatch.setattr(stories, "PRUNE_SLICES", 1)
    store, feeds = open_store(tmp_path)
    old = NOW - stories.RETAIN - 86400
    store.ingest(feeds[0], [entry("a", *PATRIOT_EN, old)], now=old)
    store.ingest(feeds[1], [entry("b", *PATRIOT_EN)], now=NOW)
    left = store.conn.execute("SELECT DISTINCT article_id FROM story_keys").fetchall()
    assert [r[0] for r in left] == [store.story_page(View())[0].article.id]


def test_a_term_common_in_the_window_does_not_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Common means found in LOOKUP_LIMIT stories. One feed's two articles are two
    stories (a feed never finds its own), so a third outlet's version finds the terms
    in two: too common at a limit of 2, and it counts at 3."""
    for limit, joins in ((2, False), (3, True)):
        monkeypatch.setattr(stories, "LOOKUP_LIMIT", limit)
        folder = tmp_path / str(limit)
        folder.mkdir()
        store, feeds = open_store(folder, feeds=2)
        store.ingest(feeds[0], [entry("a", *PATRIOT_EN, published=NOW - 60)], now=NOW)
        store.ingest(feeds[0], [entry("a2", *PATRIOT_EN)], now=NOW)
        store.ingest(feeds[1], [entry("c", *PATRIOT_EN)], now=NOW)
        ids = story_ids(store)
        assert ids["a"] != ids["a2"]
        assert (ids["c"] in (ids["a"], ids["a2"])) is joins


def test_a_story_many_outlets_carry_keeps_growing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a story's first article is indexed, so its terms stay one story's however
    many outlets repeat them: the fifth outlet still joins at a limit of 2."""
    monkeypatch.setattr(stories, "LOOKUP_LIMIT", 2)
    store, feeds = open_store(tmp_path, feeds=5)
    for i, feed in enumerate(feeds):
        store.ingest(feed, [entry(f"v{i}", *PATRIOT_EN, published=NOW + i)], now=NOW)
    assert len(set(story_ids(store).values())) == 1
    indexed = store.conn.execute("SELECT DISTINCT article_id FROM story_keys").fetchall()
    assert [row[0] for row in indexed] == [story_ids(store)["v0"]]


# -- reading: one row per story --------------------------------------------------------


def made_up_name(i: int, suffix: str) -> str:
    """A capitalised word unique in its first five folded letters."""
    letters = "bdfgjlmnrstz"
    return f"Q{letters[i % 12]}a{letters[i // 12 % 12]}e{suffix}"


def ingest_stories(store: Store, feeds: list[int], count: int) -> list[list[str]]:
    """`count` stories of 1, 2 or 3 versions (one per feed), an hour apart, newest last.
    Returns each story's guids, oldest version first."""
    out = []
    for i in range(count):
        person, town = made_up_name(i, "lor"), made_up_name(i, "burg")
        published = NOW - (count - i) * HOUR
        guids = []
        for j in range(1 + i % 3):
            guid = f"s{i}v{j}"
            title = f"{person} opens {town} plant with {1000 + i} jobs"
            lead = f"The new plant in {town} will employ {1000 + i} people, {person} said."
            store.ingest(feeds[j], [entry(guid, title, lead, published + j * 60)], now=NOW)
            guids.append(guid)
        out.append(guids)
    return out


def test_a_list_shows_one_row_per_story_with_its_sources(tmp_path: Path) -> None:
    store, feeds = open_store(tmp_path)
    ingest_stories(store, feeds, 3)
    rows = store.story_page(View())
    guid = dict(store.conn.execute("SELECT id, guid FROM articles").fetchall())
    assert [guid[r.article.id] for r in rows] == ["s2v2", "s1v1", "s0v0"]  # newest version
    assert [(r.size, r.sources, r.more_sources, r.unread) for r in rows] == [
        (3, 3, 2, 3),
        (2, 2, 1, 2),
        (1, 1, 0, 1),
    ]
    versions = store.story_articles(rows[0].story_id)
    assert [guid[a.id] for a in versions] == ["s2v0", "s2v1", "s2v2"]  # oldest first
    assert len({a.feed_id for a in versions}) == 3
    assert store.story_articles(versions[1].id) == versions  # any member finds the story
    assert store.story_count(View()) == 3 and store.count(View()) == 6


@pytest.mark.parametrize("chunk", [500, 4])
def test_story_pages_fit_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(stories, "_CHUNK", chunk)  # 4: every page spans several reads
    store, feeds = open_store(tmp_path)
    made = ingest_stories(store, feeds, 40)
    everything = store.story_page(View(), 0, 1000)
    assert len(everything) == 40 == store.story_count(View())
    pages = [r for offset in range(0, 45, 7) for r in store.story_page(View(), offset, 7)]
    assert [r.story_id for r in pages] == [r.story_id for r in everything]
    # A deep page straight away, without the cache of earlier pages, agrees too.
    fresh = stories.story_page(store.conn, View(), 21, 7)
    assert [r.story_id for r in fresh] == [r.story_id for r in everything[21:28]]
    assert sum(r.size for r in everything) == sum(len(g) for g in made)
    published = [r.article.published for r in everything]
    assert published == sorted(published, reverse=True)


def test_a_story_sits_where_its_newest_article_in_the_view_is(tmp_path: Path) -> None:
    store, feeds = open_store(tmp_path)
    store.sync_topics([TopicConfig("Interceptors", "interceptor*")])
    topic = store.topics()[0].id
    store.ingest(feeds[0], [entry("en", *PATRIOT_EN, NOW - 7200)], now=NOW)
    store.ingest(
        feeds[1],
        [
            entry(
                "de",
                "Deutschland liefert der Ukraine zwei weitere Patriot-Systeme",
                "Verteidigungsministerin Katrin Vollmer kündigte zwei Patriot-Systeme "
                "und 600 Abfangraketen für die Ukraine an.",
                NOW - 3600,
            )
        ],
        now=NOW,
    )
    guid = dict(store.conn.execute("SELECT id, guid FROM articles").fetchall())
    everywhere = store.story_page(View())
    in_topic = store.story_page(View(topic_id=topic))
    by_query = store.story_page(View(query="interceptor"))
    assert [guid[r.article.id] for r in everywhere] == ["de"]
    assert (
        [guid[r.article.id] for r in in_topic] == ["en"] == [guid[r.article.id] for r in by_query]
    )
    assert in_topic[0].sources == 2  # the story's size does not depend on the view
    assert store.story_count(View(topic_id=topic)) == 1 == store.story_count(View(query="abfang*"))


def test_marking_a_story_read_marks_every_version(tmp_path: Path) -> None:
    store, feeds = open_store(tmp_path)
    store.sync_topics([TopicConfig("Plants", "plant")])
    made = ingest_stories(store, feeds, 3)
    big = store.story_page(View())[0]
    assert big.size == 3
    assert store.set_story_read(big.story_id) == 3
    assert store.set_story_read(big.story_id) == 0  # nothing left to change
    read = dict(store.conn.execute("SELECT guid, read FROM articles").fetchall())
    assert [read[g] for g in made[2]] == [1, 1, 1] and read["s1v0"] == 0
    assert store.topics()[0].unread == 3  # 6 articles, 3 of them read
    unread = store.story_page(View(query="is:unread"))
    assert big.story_id not in {r.story_id for r in unread} and len(unread) == 2
    assert store.story_count(View(query="is:unread")) == 2
    assert store.story_count(View(query="is:read")) == 1
    assert store.set_story_read(store.story_articles(big.story_id)[1].id, read=False) == 3
    assert store.story_page(View())[0].unread == 3


def test_a_bad_query_fails_before_paging(tmp_path: Path) -> None:
    from storage.query import QueryError

    store, _ = open_store(tmp_path)
    with pytest.raises(QueryError):
        store.story_page(View(query='"unclosed'))


@pytest.mark.parametrize("query", ["", "is:unread", "alpha", "alpha OR beta -gamma"])
def test_pages_found_from_the_end_are_the_pages_from_the_top(tmp_path: Path, query: str) -> None:
    """G at a million articles asks for the last pages with the story count: they must be
    the same rows, in the same order, as walking from the top gives."""
    store, feeds = open_store(tmp_path)
    words = ["alpha", "beta", "gamma", "delta"]
    for f, feed in enumerate(feeds):
        batch = [
            make_entry(
                f"f{f}-{i}",
                f"Item {i} {words[(i + f) % 4]}",
                f"Text about {words[i % 4]} and {words[(i * 3 + f) % 4]}.",
                NOW - (i * 7 + f * 3) * 600,
            )
            for i in range(40)
        ]
        store.ingest(feed, batch, now=NOW)
    conn = store.conn
    with conn:  # deterministic stories: ids 5k+2 and 5k+3 join 5k+1's; some read
        conn.execute(
            "UPDATE articles SET story_id = CASE WHEN id % 5 IN (2, 3)"
            " THEN id - id % 5 + 1 ELSE id END, read = (id % 3 = 0)"
        )
    view = View(query=query)
    total = store.story_count(view)
    assert total > 20
    for offset in range(0, total + 5, 7):
        top = [s.story_id for s in stories.story_page(conn, view, offset, 10, NOW)]
        end = [s.story_id for s in store.story_page(view, offset, 10, NOW, total=total)]
        assert end == top, offset
    last = store.story_page(view, total - 3, 50, NOW, total=total)
    assert len(last) == 3
