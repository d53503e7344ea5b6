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

# Ukraine, and military or security help for it. "aid" alone would also match
# humanitarian aid and hearing aids, so it only counts next to Ukraine's names.
UKRAINE_AID_QUERY = (
    "(Ukraine OR Ukrainian OR Ukrainians OR Kyiv OR Zelensky OR Zelenskyy) "
    '(aid OR weapon* OR arms OR military OR "air defence" OR "air defense" OR Patriot '
    "OR missile* OR interceptor* OR ammunition OR munitions OR artillery OR shells "
    "OR stockpile* OR backfill* OR drones OR tanks OR armoured OR armored "
    'OR "security assistance")'
)

# Migration into and within the EU: a European place or institution together with
# words about people (not data, birds or whales) on the move. Bare "migration" only
# counts next to an EU institution. US and UK stories stay out for lack of a European
# place name.
_EUROPE = (
    'EU OR "European Union" OR European OR Europe OR Brussels OR Schengen OR Frontex '
    'OR "member states" OR Mediterranean OR Aegean OR Lampedusa OR "Canary Islands" '
    "OR Balkans OR Austria OR Belgium OR Bulgaria OR Croatia OR Cyprus OR Czech "
    "OR Denmark OR Estonia OR Finland OR France OR Germany OR Greece OR Hungary "
    "OR Ireland OR Italy OR Latvia OR Lithuania OR Luxembourg OR Malta OR Netherlands "
    "OR Poland OR Portugal OR Romania OR Slovakia OR Slovenia OR Spain OR Sweden "
    "OR Austrian OR Belgian OR Bulgarian OR Croatian OR Cypriot OR Danish OR Finnish "
    "OR French OR German OR Greek OR Hungarian OR Irish OR Italian OR Lithuanian "
    "OR Maltese OR Dutch OR Polish OR Portuguese OR Slovenian OR Spanish OR Swedish"
)
_PEOPLE_ON_THE_MOVE = (
    "migrant* OR asylum OR refugee* OR deport* OR expel OR expulsion OR readmission "
    'OR "return hubs" OR "return order" OR "return decision" OR smuggling OR smugglers '
    "OR pushback* OR irregular OR irregularly OR undocumented "
    'OR "temporary protection" OR "family reunification" OR "search and rescue" '
    'OR coastguard OR "coast guard" OR "sea arrivals" OR "boat arrivals" '
    'OR "irregular arrivals" OR "border crossings" OR "irregular crossings" '
    'OR "border guards" OR "border agency" OR "external borders" OR "border controls" '
    'OR "border checks" OR "reception centres" OR "processing centres" '
    'OR "countries of origin" OR Frontex OR Eurodac'
)
_EU_INSTITUTIONS = (
    'EU OR "European Union" OR Brussels OR "European Commission" '
    'OR "European Parliament" OR Council OR "member states"'
)
EU_MIGRATION_QUERY = f"(({_EUROPE}) ({_PEOPLE_ON_THE_MOVE})) OR (migration ({_EU_INSTITUTIONS}))"

DEFAULT_TOPICS: tuple[tuple[str, str], ...] = (
    ("Ukraine aid", UKRAINE_AID_QUERY),
    ("EU migration", EU_MIGRATION_QUERY),
)
