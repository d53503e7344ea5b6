"""The built-in defaults: the feeds and topics used when there is no config file.

The feeds are real, public, English-language RSS/Atom feeds of outlets that report on
military aid to Ukraine and on EU migration policy. The topic queries are written in
newsdeck's filter language (see storage/query.py) and are checked against a labelled
set of articles in tests/storage/test_topic_quality.py.
"""

from __future__ import annotations

DEFAULT_FEEDS: tuple[tuple[str, str], ...] = (
    ("BBC News - Europe", "https://feeds.bbci.co.uk/news/world/europe/rss.xml"),
    ("BBC News - World", "https://feeds.bbci.co.uk/news/world/rss.xml"),
    ("The Guardian - Ukraine", "https://www.theguardian.com/world/ukraine/rss"),
    ("The Guardian - Migration", "https://www.theguardian.com/world/migration/rss"),
    ("Deutsche Welle - Europe", "https://rss.dw.com/rdf/rss-en-eu"),
    ("Al Jazeera - All news", "https://www.aljazeera.com/xml/rss/all.xml"),
    ("France 24 - Europe", "https://www.france24.com/en/europe/rss"),
    ("Politico Europe", "https://www.politico.eu/feed/"),
    ("Euractiv", "https://www.euractiv.com/feed/"),
    ("The Kyiv Independent", "https://kyivindependent.com/rss/"),
    ("NPR - World", "https://feeds.npr.org/1004/rss.xml"),
)

UKRAINE_AID_QUERY = (
    "(Ukraine OR Ukrainian OR Ukrainians OR Kyiv OR Zelensky OR Zelenskyy) "
    '(aid OR weapon* OR arms OR military OR "air defence" OR "air defense" OR Patriot '
    "OR missile* OR interceptor* OR ammunition OR munitions OR artillery OR shells "
    'OR stockpile* OR backfill* OR drones OR tanks OR "security assistance")'
)

EU_MIGRATION_QUERY = (
    '(EU OR "European Union" OR Brussels OR "European Commission" OR Frontex '
    'OR Schengen OR "member states" OR "Council presidency" OR Mediterranean) '
    "(migration OR migrant* OR asylum OR refugee* OR deportation* OR returns "
    'OR "return hubs" OR Frontex OR "border agency" OR "external borders" '
    'OR "irregular arrivals")'
)

DEFAULT_TOPICS: tuple[tuple[str, str], ...] = (
    ("Ukraine aid", UKRAINE_AID_QUERY),
    ("EU migration", EU_MIGRATION_QUERY),
)
