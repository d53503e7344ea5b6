"""Deterministic feed corpus for the poller benchmark (tests/benchmarks/bench_poll.py).

`generate(root, feeds=200, items=50, seed=42)` writes two sets of feed files:

- `root/base/NNN.xml`: `feeds` feeds of `items` full-text items each, about 70 % RSS 2.0
  and 30 % Atom 1.0. Every item carries 150-400 words of HTML (`<p>`, `<a>`, `<em>`,
  named and numeric entities); a third of the RSS feeds wrap it in CDATA, the rest escape
  it. About 9 % of items are written about military aid to Ukraine and 8 % about EU
  migration, so topic matching at ingest has real work to do.
- `root/changed/NNN.xml`: the same corpus after a news cycle. Half of the feeds are
  rewritten: in each, `items // 5` items get an "UPDATED: " title, an extra paragraph and
  a newer date (10 % of all items), and 3 new items are put on top while the 3 oldest fall
  off the end (the feed keeps `items` entries). The other files are byte-identical, so a
  server gives them the same validators.

It returns a `Corpus` that says which (feed, guid, title) each set should leave in a
reader's database. Nothing here touches the network; run it alone to look at the files:
`python tests/benchmarks/poll_feeds.py /tmp/corpus --feeds 5`.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

BASE_TIME = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
NEW_ITEMS_PER_CHANGED_FEED = 3
UPDATED_PREFIX = "UPDATED: "


def _words(text: str) -> list[str]:
    return text.split()


# Plain vocabulary of news prose; sentences are random draws, so no text is copied.
COMMON = _words("""
the a an of to in on for with at by from as about after before over under between
into during without against among across through while since until than which that
who whose where when this these those its their our his her they we it he she
is are was were has have had will would could should may might must can said says
told added announced reported confirmed expected planned agreed rejected proposed
ministers officials government council committee parliament leaders delegation
week month year day morning evening weekend today yesterday tomorrow season decade
city region country capital province district border coast port village town
plan proposal agreement deal budget package measure law rule reform review report
vote debate talks summit meeting session hearing statement letter interview
people families workers students farmers companies banks markets prices costs
energy gas oil power grid railway roads bridge airport harbour trade exports
new old first last next other several many few some more most less least
public private national local regional international foreign domestic economic
political social financial legal technical military civil security health
increase decrease support oppose expand reduce delay approve sign launch open
close build repair fund pay send receive deliver buy sell produce supply order
quickly slowly finally already still again also only even however instead
large small major minor long short early late recent current previous future
""")

NAMES = _words("""
Vienna Lisbon Tallinn Riga Vilnius Warsaw Prague Bratislava Budapest Ljubljana
Zagreb Sofia Bucharest Athens Valletta Nicosia Dublin Copenhagen Stockholm Helsinki
Oslo Madrid Rome Paris Berlin Amsterdam Luxembourg Bern
""")

UKRAINE = _words("""
Ukraine Ukrainian Kyiv Zelensky aid weapons arms military ammunition artillery shells
missiles interceptors Patriot drones tanks stockpiles munitions
""")

MIGRATION = _words("""
EU Brussels Frontex Schengen asylum migrants migration refugees deportations returns
arrivals Mediterranean
""")

ENTITIES = ["&amp;", "&quot;", "&#8217;", "&eacute;", "&mdash;", "&#x2013;", "&nbsp;"]


@dataclass
class Corpus:
    """What the two sets hold: per feed, the expected {guid: title} after each poll."""

    root: Path
    feeds: int
    items: int
    kinds: list[str] = field(default_factory=list)  # "rss" or "atom", per feed
    base: list[dict[str, str]] = field(default_factory=list)
    changed: list[dict[str, str]] = field(default_factory=list)
    changed_feeds: list[int] = field(default_factory=list)
    changed_items: int = 0
    new_items: int = 0
    raw_bytes: int = 0

    def path(self, which: str, feed: int) -> Path:
        return self.root / which / f"{feed:03d}.xml"

    @property
    def total_after_change(self) -> int:
        """Items a reader should hold after the change poll: nothing is ever dropped."""
        return self.feeds * self.items + self.new_items

    def expected(self, phase: str) -> list[dict[str, str]]:
        """Per feed {guid: title} a database should hold after `phase` ("base"/"changed")."""
        if phase == "base":
            return self.base
        merged = []
        for before, after in zip(self.base, self.changed, strict=True):
            both = dict(before)
            both.update(after)  # dropped items stay with their old title
            merged.append(both)
        return merged

    def manifest(self) -> dict[str, object]:
        return {
            "feeds": self.feeds,
            "items": self.items,
            "kinds": self.kinds,
            "changed_feeds": self.changed_feeds,
            "changed_items": self.changed_items,
            "new_items": self.new_items,
            "raw_bytes": self.raw_bytes,
        }


@dataclass
class _Item:
    number: int
    guid: str
    link: str
    title: str
    author: str
    html: str
    published: datetime
    updated: datetime


class _Writer:
    """Random but reproducible prose: every call draws from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def words(self, n: int, flavour: list[str] | None) -> list[str]:
        pool = COMMON
        out = []
        for _ in range(n):
            r = self.rng.random()
            if flavour and r < 0.12:
                out.append(self.rng.choice(flavour))
            elif r < 0.17:
                out.append(self.rng.choice(NAMES))
            else:
                out.append(self.rng.choice(pool))
        return out

    def sentence(self, words: list[str]) -> str:
        """One sentence of HTML from plain words: links, emphasis and entities sprinkled in."""
        parts = []
        i = 0
        while i < len(words):
            r = self.rng.random()
            if r < 0.04 and i + 2 < len(words):
                href = f"https://news.example.org/{self.rng.randrange(10**6)}?a=1&amp;b=2"
                parts.append(f'<a href="{href}">{" ".join(words[i : i + 2])}</a>')
                i += 2
                continue
            if r < 0.08:
                parts.append(f"<em>{words[i]}</em>")
            elif r < 0.11:
                parts.append(words[i] + self.rng.choice(ENTITIES))
            else:
                parts.append(words[i])
            i += 1
        text = " ".join(parts)
        return text[:1].upper() + text[1:] + "."

    def body(self, flavour: list[str] | None) -> str:
        """150-400 words in <p> paragraphs of 3-6 sentences."""
        total = self.rng.randint(150, 400)
        paragraphs, sentences, used = [], [], 0
        while used < total:
            n = min(self.rng.randint(8, 20), total - used)
            sentences.append(self.sentence(self.words(n, flavour)))
            used += n
            if len(sentences) >= self.rng.randint(3, 6):
                paragraphs.append("<p>" + " ".join(sentences) + "</p>")
                sentences = []
        if sentences:
            paragraphs.append("<p>" + " ".join(sentences) + "</p>")
        return "\n".join(paragraphs)

    def title(self, flavour: list[str] | None) -> str:
        words = self.words(self.rng.randint(5, 11), flavour)
        text = " ".join(words)
        if self.rng.random() < 0.1:
            text += " & more"
        return text[:1].upper() + text[1:]


def _flavour(rng: random.Random) -> list[str] | None:
    r = rng.random()
    if r < 0.09:
        return UKRAINE
    if r < 0.17:
        return MIGRATION
    return None


def _make_item(feed: int, number: int, kind: str, permalink: bool, w: _Writer) -> _Item:
    flavour = _flavour(w.rng)
    link = f"https://news.example.org/feed{feed:03d}/story-{number:04d}.html"
    if kind == "atom":
        guid = f"tag:news.example.org,2025:feed{feed:03d}/item{number:04d}"
    elif permalink:
        guid = link
    else:
        guid = f"bench-{feed:03d}-{number:04d}"
    when = BASE_TIME - timedelta(minutes=feed) + timedelta(hours=number - 60)
    return _Item(
        number=number,
        guid=guid,
        link=link,
        title=w.title(flavour),
        author=w.rng.choice(["", "Desk", "A. Writer", "B. Reporter"]),
        html=w.body(flavour),
        published=when,
        updated=when,
    )


def _rss(feed: int, items: list[_Item], cdata: bool, permalink: bool) -> str:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        f"<title>Bench Feed {feed:03d} &amp; Friends</title>",
        f"<link>https://news.example.org/feed{feed:03d}/</link>",
        "<description>Synthetic full-text feed for the poller benchmark</description>",
        "<language>en</language>",
        f"<lastBuildDate>{format_datetime(max(i.updated for i in items))}</lastBuildDate>",
    ]
    for item in items:
        body = f"<![CDATA[{item.html}]]>" if cdata else escape(item.html)
        guid_attr = "true" if permalink else "false"
        out += [
            "<item>",
            f"<title>{escape(item.title)}</title>",
            f"<link>{item.link}</link>",
            f'<guid isPermaLink="{guid_attr}">{escape(item.guid)}</guid>',
            f"<pubDate>{format_datetime(item.updated)}</pubDate>",
        ]
        if item.author:
            out.append(f"<dc:creator>{escape(item.author)}</dc:creator>")
        out += [f"<description>{body}</description>", "</item>"]
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def _atom(feed: int, items: list[_Item]) -> str:
    def stamp(d: datetime) -> str:
        return d.isoformat().replace("+00:00", "Z")

    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
        f"<title>Bench Feed {feed:03d} &amp; Friends</title>",
        f'<link rel="alternate" href="https://news.example.org/feed{feed:03d}/"/>',
        f"<id>tag:news.example.org,2025:feed{feed:03d}</id>",
        f"<updated>{stamp(max(i.updated for i in items))}</updated>",
    ]
    for item in items:
        out += [
            "<entry>",
            f'<title type="text">{escape(item.title)}</title>',
            f'<link rel="alternate" href="{item.link}"/>',
            f"<id>{escape(item.guid)}</id>",
            f"<published>{stamp(item.published)}</published>",
            f"<updated>{stamp(item.updated)}</updated>",
        ]
        if item.author:
            out.append(f"<author><name>{escape(item.author)}</name></author>")
        out += [f'<content type="html">{escape(item.html)}</content>', "</entry>"]
    out += ["</feed>", ""]
    return "\n".join(out)


def generate(root: Path, feeds: int = 200, items: int = 50, seed: int = 42) -> Corpus:
    """Write root/base and root/changed (see the module docstring) and describe them."""
    rng = random.Random(seed)
    w = _Writer(rng)
    corpus = Corpus(root=root, feeds=feeds, items=items)
    for which in ("base", "changed"):
        (root / which).mkdir(parents=True, exist_ok=True)
    changed_feeds = set(rng.sample(range(feeds), feeds // 2))
    corpus.changed_feeds = sorted(changed_feeds)
    for f in range(feeds):
        kind = "atom" if rng.random() < 0.3 else "rss"
        cdata = rng.random() < 1 / 3
        permalink = rng.random() < 1 / 3
        corpus.kinds.append(kind)
        entries = [_make_item(f, n, kind, permalink, w) for n in range(items)]
        entries.reverse()  # newest first, as feeds are

        def render(
            entries: list[_Item],
            f: int = f,
            kind: str = kind,
            cdata: bool = cdata,
            permalink: bool = permalink,
        ) -> bytes:
            text = _atom(f, entries) if kind == "atom" else _rss(f, entries, cdata, permalink)
            return text.encode("utf-8")

        base = render(entries)
        corpus.path("base", f).write_bytes(base)
        corpus.raw_bytes += len(base)
        corpus.base.append({e.guid: e.title for e in entries})
        if f not in changed_feeds:
            corpus.path("changed", f).write_bytes(base)
            corpus.changed.append({e.guid: e.title for e in entries})
            continue
        fresh = [
            _make_item(f, items + k, kind, permalink, w)
            for k in reversed(range(NEW_ITEMS_PER_CHANGED_FEED))
        ]
        kept = entries[: items - NEW_ITEMS_PER_CHANGED_FEED]
        later = BASE_TIME + timedelta(hours=2)
        for item in rng.sample(kept, items // 5):
            item.title = UPDATED_PREFIX + item.title
            item.html += "\n<p>" + w.sentence(w.words(20, None)) + "</p>"
            item.updated = later
            corpus.changed_items += 1
        after = fresh + kept
        corpus.new_items += len(fresh)
        corpus.path("changed", f).write_bytes(render(after))
        corpus.changed.append({e.guid: e.title for e in after})
    (root / "manifest.json").write_text(json.dumps(corpus.manifest(), indent=1))
    return corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    corpus = generate(args.root, args.feeds, args.items, args.seed)
    summary = corpus.manifest()
    summary["kinds"] = {k: corpus.kinds.count(k) for k in ("rss", "atom")}
    summary["changed_feeds"] = len(corpus.changed_feeds)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
