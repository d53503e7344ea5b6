"""Same-story matching as pure functions: what a headline and its lead say, and whether
two articles report one event. No SQL here; storage/stories.py stores and looks up what
this computes.

An article becomes `Features`: the weighted terms of its title and the start of its lead
that can tell one event from another, across languages.

- Names: words capitalised in mid-sentence ("Frontex", "NASAMS", a minister's surname)
  and acronyms weigh W_NAME. A capitalised word opening a sentence may be a name
  ("Quillon hit with ...") or not ("Officials said ..."); it counts only where it also
  stands mid-sentence. (As weaker terms they changed nothing on the labelled set and
  cost a lookup each.)
- Numbers of two or more digits; "112,000", "112.000" and "112 000" are one number,
  "6,1" is 6.1. Years weigh less than other figures.
- Places: a small gazetteer gives countries, capitals and institutions (EU, NATO, ECB)
  one term in English, German, French and Spanish ("Deutschland", "allemande",
  "Berlin"). They are common, so they weigh less than a surname.
- Other words, stop words, months and weekdays are not terms: across languages they do
  not carry over, and within one language rewrites of a headline share their names and
  figures far more than their wording (measured on tests/data/story_groups.json).

Words are case- and accent-folded, lightly transliterated (w/v, k/c, kh/ch/h, y/i, ph/f,
doubled letters) and cut to five letters, so "Patriot-Systeme" meets "Patriot",
"Charkiw" meets "Kharkiv" and "Kommissar" meets "Commissioner".

Two articles report one event when the weight of the terms they share reaches MIN_SHARED
and covers MIN_COVER of the smaller article's anchor weight: the smaller one, because a
German lead capitalises every noun and so brings extra "names".
"""

from __future__ import annotations

import hashlib
import operator
import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PREFIX = 5  # letters kept of a word: a cheap stemmer that also joins many cognates
LEAD_CHARS = 250  # the lead's first sentences; later ones drift off the event
MAX_KEYS = 8  # terms an article is looked up by: its heaviest (stories.INDEXED are stored)
MIN_SHARED = 6.0  # e.g. a surname and a figure, or a name and two countries
MIN_COVER = 0.6  # of the smaller side's anchor weight
EXACT = 100.0  # weight of the whole-text key: verbatim copies always match

# Term weights; every term is an anchor.
W_WORD = 1.0  # a word that is no term
W_PLACE = 2.0  # gazetteer places and years: common, so they weigh less than a surname
W_NAME = 3.0
W_NUMBER = 3.0  # two digits
W_FIGURE = 4.0  # three digits or more, not a year: "312 rescued", "€310m"

_TOKEN = re.compile(
    r"[^\W\d_]+"  # a word in any script (first: most tokens are words)
    r"|\d{1,3}(?:[\u00a0\u202f]\d{3})+(?!\d)"  # 112 000 with a no-break space
    r"|\d+(?:[.,]\d+)*"  # 112,000  112.000  6,1  3.5
)
_NUMBER_PARTS = re.compile(r"[.,\s]")

# Function words, reporting verbs, months, weekdays and small numbers of the four
# languages, folded like any word. They carry nothing about which event an article
# reports, and English and German capitalise some of them.
_STOP = """
a about after against all also an and any are as at be been before being between both but
by can could did do does during each for from had has have he her his how if in into is it
its last more most new no not now of on one only or other our out over per said says she
so some such than that the their them then there these they this those through to told
under up us was we were what when where which while who will with would year years week
more first percent per cent million millions billion bn mn day days officials official
according news report reports including near amid after
aber als am an auf aus bei bis das dass dem den der des die doch durch ein eine einem
einen einer eines er es fur gegen hat haben hatte im in ist jahr jahren kann mit nach
nicht noch nur oder sei seit sich sie sind so soll sollen sowie uber um und unter vom von
vor war wegen werden wird wurde wurden zu zum zur prozent millionen milliarden rund mehr
sagte teilte mitte ab wie auch
au aux avec ce ces cette comme dans de des du elle en est et il ils la le les leur lui mais
ne nous ou par pas plus pour qu que qui sa se ses son sont sur un une vers selon ont ete
apres entre depuis millions milliards cent annee fait sans tres
al como con de del el en entre es esta este ha han la las lo los mas para pero por que se
segun sin sobre su sus tras un una uno y ya millones ciento ano anos desde hasta
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
januar februar marz juni juli oktober dezember
montag dienstag mittwoch donnerstag freitag samstag sonntag
two three four five six seven eight nine ten zwei drei vier funf sechs sieben acht neun
zehn deux trois quatre cinq sept huit neuf dix dos tres cuatro cinco seis siete ocho nueve
diez second third
"""

# canonical term: variants (folded and cut like words, or matched whole when marked =)
_GAZETTEER = """
@eu: eu ue europe european europeen europa europaisch europeo union= vingt=
@ua: ukraine ukrainian ukrainien ukrainisch ucrania ucraniano kyiv= kiev= kiew= kiiv=
@ru: russia russian russie russe= russes= russland russisch rusia= ruso= rusa= rusos= rusas=
  moscow moscou moskau moscu
@de: germany german allemagne allemand deutschland deutsch alemania aleman berlin
@fr: france french francais frankreich franzosisch francia frances= paris=
@pl: poland polish pologne polonais polen polnisch polonia polaco warsaw varsovie warschau
@nl: netherlands dutch neerlandais niederlande niederlandisch holanda holland amsterdam
@no: norway norwegian norvege norvegien norwegen norwegisch noruega noruego oslo=
@dk: denmark danish danemark danois dinamarca danes= copenhagen copenhague kopenhagen
@se: sweden swedish suede suedois schweden schwedisch suecia sueco stockholm
@it: italy italian italie italien italia italiano rome= rom= roma=
@es: spain spanish espagne espagnol spanien spanisch espana espanol madrid
@gr: greece greek grece grec= grecque griechenland griechisch grecia griego athens athen
@tr: turkey turkish turquie turc= turque= turkei turkisch turquia turco= ankara
@gb: britain british britannique britisch britanico london londres uk= reino= royaume
@us: american americain amerikanisch estadounidense washington usa=
@by: belarus belarusian bielorussie weissrussland bielorrusia minsk=
@lt: lithuania lithuanian lituanie litauen lituania vilnius
@ro: romania= romanian= roumanie roumain rumanien rumania= rumano= bucharest
@al: albania albanian albanie albanien albanais tirana
@tn: tunisia tunisian tunisie tunesien tunez=
@ly: libya libyan libye libyen libia=
@pt: portugal portuguese portugais portugiesisch portugues lisbon lisbonne lissabon lisboa
@sk: slovakia slovak slovaquie slowakei eslovaquia=
@si: slovenia slovenian slovenie slowenien eslovenia=
@ie: ireland irish irlande irlandais irland irisch irlanda dublin
@hu: hungary hungarian hongrie hongrois ungarn ungarisch hungria budapest
@fi: finland finnish finlande finnland finlandia helsinki
@at: austria austrian autriche osterreich austriaco vienna vienne wien= viena=
@cn: china= chinese chine= chinois chinesisch beijing peking pekin=
@nato: nato= otan=
@un: onu=
@ecb: ecb= ezb= bce=
@brussels: brussels bruxelles brussel bruselas
@channel: channel= manche= armelkanal mancha=
@uae: emirates emirati emirats emirate emiratos
@crete: crete= kreta= creta=
"""


_FOLD = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "ı": "i", "w": "v", "y": "i", "k": "c"}
)
_DOUBLED = re.compile(r"(.)\1+")
_FIRST_GROUP = operator.itemgetter(1)  # as a replacement, 3x faster than r"\1"


def _fold(word: str) -> str:
    """Lower case without accents, with spellings that differ between languages merged:
    w/v, y/i, k/c, and then kh, ch and h (Kharkiv, Charkiw), ph/f, doubled letters."""
    word = word.lower().translate(_FOLD)
    if not word.isascii():
        decomposed = unicodedata.normalize("NFKD", word)
        word = "".join(c for c in decomposed if not unicodedata.combining(c))
    if "h" in word:
        word = word.replace("ch", "h").replace("ph", "f")
    return _DOUBLED.sub(_FIRST_GROUP, word)


def _load_gazetteer(spec: str) -> tuple[dict[str, str], dict[str, str]]:
    """Whole folded words, and five-letter prefixes, to their canonical term."""
    whole: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    term = ""
    for token in spec.split():
        if token.endswith(":"):
            term = token[:-1]
        elif token.endswith("=") or len(token) < PREFIX:
            whole[_fold(token.rstrip("="))] = term
        else:
            prefixes[_fold(token)[:PREFIX]] = term
    return whole, prefixes


_WHOLE, _PREFIXES = _load_gazetteer(_GAZETTEER)
_PLACES = sorted({t for t in (*_WHOLE.values(), *_PREFIXES.values()) if t[0] == "@"})
if len(_PLACES) > 63:
    raise RuntimeError("the gazetteer's places must fit a signed 64-bit mask")
_PLACE_BITS = {term: 1 << i for i, term in enumerate(_PLACES)}
_PLACE_OF_BIT = {bit: term for term, bit in _PLACE_BITS.items()}
_STOPWORDS = frozenset(_fold(w) for w in _STOP.split())
# (term or "" when it cannot match, weight mid-sentence, weight opening one, place bit,
# length of the word: when more terms than MAX_KEYS tie, the shorter words are kept,
# as a German lead's long capitalised compounds are seldom names)
_Token = tuple[str, float, float, int, int]
_SKIP: _Token = ("", 0.0, 0.0, 0, 0)
_token_cache: dict[str, _Token] = {}
# A term a word brings that is not a place: (term, weight mid-sentence, weight opening
# one, length of the word, its key, whether it is the word's first token).
_Term = tuple[str, float, float, int, int, bool]
# A whitespace-separated word as written ("Ukraine's", "2,000).") -> its terms that are
# not places, the bits of its places, whether a sentence ends after it, whether it has
# any token at all (bare punctuation has none), and whether it is a number of 1-3 digits
# (maybe the start of "112 000").
_Word = tuple[tuple[_Term, ...], int, bool, bool, bool]
_word_cache: dict[str, _Word] = {}
# Cached words that bring no term (most of a lead: "the", "said", "vote."). `features`
# looks only at the others, and at the word before one to tell if a sentence ends there.
_no_terms: set[str] = set()
_CACHE_SIZE = 100_000
_CLOSERS = "\"'»”’)]"
_PUNCTUATION = ".,;:!?\"'«»“”‘’()[]"  # none of them is part of a token
_ENDERS = frozenset(".!?:;")


def _token(token: str) -> _Token:
    """What one token contributes. Cached: news repeats its words, and folding them is
    the costly part of `features`."""
    hit = _token_cache.get(token)
    if hit is None:
        hit = _classify(token)
        if len(_token_cache) >= _CACHE_SIZE:
            _token_cache.clear()
        _token_cache[token] = hit
    return hit


def key_of(term: str) -> int:
    """A term's 32-bit key in the index: the same in every process."""
    return zlib.crc32(term.encode("utf-8", "replace"))


def _word(raw: str) -> _Word:
    """What one written word brings (the slow regex runs once per distinct word)."""
    hit = _word_cache.get(raw)
    if hit is not None:
        return hit
    if raw.isdigit():
        term, weight = _number(raw)
        terms = ((term, weight, weight, 0, key_of(term), True),) if weight > W_WORD else ()
        hit = (terms, 0, False, True, len(raw) <= 3)
    else:
        core = raw.strip(_PUNCTUATION)  # mostly one word, maybe with punctuation around it
        ends = raw.rstrip(_CLOSERS)[-1:] in _ENDERS
        if core.isalpha():  # one token: the common case, without the regex
            term, mid, first, bit, size = _token(core)
            named = ((term, mid, first, size, key_of(term), True),) if term and not bit else ()
            hit = (named, bit, ends, True, False)
        else:
            tokens = [_token(t) for t in _TOKEN.findall(raw)]
            places = 0
            terms: list[_Term] = []
            for i, (term, mid, first, bit, size) in enumerate(tokens):
                if bit:
                    places |= bit
                elif term:
                    terms.append((term, mid, first, size, key_of(term), i == 0))
            hit = (tuple(terms), places, ends, bool(tokens), False)
    if len(_word_cache) >= _CACHE_SIZE:
        _word_cache.clear()
        _no_terms.clear()
    _word_cache[raw] = hit
    if not (hit[0] or hit[1] or hit[4]):
        _no_terms.add(raw)
    return hit


def forget_words() -> None:
    """Empty the caches of words seen (each stops growing at _CACHE_SIZE anyway)."""
    _word_cache.clear()
    _no_terms.clear()
    _token_cache.clear()


def _opens_sentence(words: list[str], i: int) -> bool:
    """Whether words[i] opens a sentence: no word before it, or the last one before it
    that is not bare punctuation ends one."""
    for j in range(i - 1, -1, -1):
        _, _, ends, tokens, _ = _word(words[j])
        if ends:
            return True
        if tokens:
            return False
    return True


def _classify(token: str) -> _Token:
    if token[0].isdigit():
        term, weight = _number(token)
        return (term, weight, weight, 0, 0) if weight > W_WORD else _SKIP
    folded = _fold(token)
    cut = folded[:PREFIX]
    place = _WHOLE.get(folded) or (_PREFIXES.get(cut) if len(folded) >= PREFIX else None)
    if place is not None:
        return place, W_PLACE, W_PLACE, _PLACE_BITS[place], 0
    acronym = token.isupper() and 1 < len(token) <= 8
    if folded in _STOPWORDS or (len(token) < 3 and not acronym) or not token[0].isupper():
        return _SKIP  # a lower-case word can only match as a place or a cognate number
    size = len(token)
    return (cut, W_NAME, W_NAME, 0, size) if acronym else (cut, W_NAME, 0.0, 0, size)


def _number(token: str) -> tuple[str, float]:
    """'112,000' '112.000' '112 000' -> '#112000'; '6,1' -> '#6.1'; '2,0' -> '#2'."""
    if token.isdigit():
        whole, frac = token.lstrip("0") or "0", ""
    else:
        groups = _NUMBER_PARTS.split(token)
        if all(len(g) == 3 for g in groups[1:]):
            groups = ["".join(groups)]  # thousands separators
        whole = groups[0].lstrip("0") or "0"
        frac = groups[1].rstrip("0") if len(groups) == 2 else ""
    term = f"#{whole}.{frac}" if frac else f"#{whole}"
    if len(whole) == 4 and whole[:2] in ("19", "20") and not frac:
        return term, W_PLACE  # a year
    digits = len(whole.lstrip("0")) + len(frac)
    return term, W_WORD if digits < 2 else W_NUMBER if digits == 2 else W_FIGURE


def _is_title_case(words: list[str]) -> bool:
    """Headlines In Title Case say nothing about which words are names."""
    letters = list(filter(str.isalpha, [w[0] for w in words[1:] if len(w) > 3]))
    return len(letters) >= 3 and sum(map(str.isupper, letters)) >= 0.7 * len(letters)


@dataclass(slots=True)  # not frozen: a frozen dataclass is three times slower to make
class Features:
    """An article's terms, as the index stores and compares them.

    Places (the gazetteer's countries, capitals and institutions) are a small closed set
    that nearly every article mentions, so they are not looked up one by one: they travel
    as a bit mask beside the other terms, and count for a pair found through those.
    """

    terms: dict[str, float]  # the terms that can match, and their weights
    keys: list[tuple[int, float]]  # 32-bit hashes of those that are not places
    places: int  # one bit per gazetteer place
    anchors: float  # the anchor weight, places included
    text_hash: int  # signed 64-bit hash of the words: equal for verbatim copies

    def packed(self) -> Packed:
        """What storage/stories.py reads, as one tuple of integers: cheap to send from
        the parse process, and no work for the garbage collector."""
        doubled = [part for key, weight in self.keys for part in (key, int(weight * 2))]
        return (self.text_hash, self.places, int(self.anchors * 2), *doubled)


# An article's Features as storage/stories.py reads them: (text_hash, places, anchor
# weight doubled, then each key and its weight doubled, heaviest first). Every weight is
# a multiple of 0.5, so doubled they are the integers the index stores.
Packed = tuple[int, ...]


def lead_of(summary: str, text: str) -> str:
    """The lead grouping reads: the summary, else the start of the text (as the SQL in
    storage.stories reads it back from the database)."""
    return summary if summary != "" else text[:LEAD_CHARS]


def known_features(entries: Iterable[Any]) -> dict[tuple[str, str], Packed]:
    """features() of entries (anything with title, summary and text), packed, keyed by
    the title and lead they were made from, for the parse process to hand to the writer.
    The writer uses one only where the article it stored has that same title and lead."""
    found: dict[tuple[str, str], Packed] = {}
    for entry in entries:
        key = (entry.title, lead_of(entry.summary, entry.text))
        if key not in found:
            found[key] = features(*key).packed()
    return found


def features(title: str, lead: str) -> Features:
    """The terms of a headline and the start of its lead."""
    terms: dict[str, float] = {}
    found: dict[str, tuple[int, str, int]] = {}  # term -> (length of its word, term, key)
    places = 0
    cached = _word_cache.get
    title_words = title.split()
    lead_words = lead[:LEAD_CHARS].split()
    names: bool | None = None  # whether the title's capitals tell names (asked when needed)
    for part, words in enumerate((title_words, lead_words)):
        n = len(words)
        merged = 0  # words before this one went into a number ("112 000")
        for i in [i for i, raw in enumerate(words) if raw not in _no_terms]:
            if i < merged:
                continue
            raw = words[i]
            named, bits, _, _, short = cached(raw) or _word(raw)
            if short and i + 1 < n:
                after = words[i + 1]
                if after[:3].isdigit() and not after[3:4].isdigit():
                    merged = i + 2  # "112 000": a space as thousands separator
                    named, bits, _, _, _ = _word(raw + after)
            places |= bits
            if not named:
                continue
            before = cached(words[i - 1]) if i else None
            # Mostly the word before has tokens, and whether it ends a sentence decides.
            opening = before[2] if before and before[3] else _opens_sentence(words, i)
            for term, mid, first, size, key, head in named:
                weight = first
                if mid != first and not (opening and head):
                    if part == 0 and names is None:
                        names = not _is_title_case(title_words)
                    if part == 1 or names:
                        weight = mid
                if weight > terms.get(term, 0.0):
                    terms[term] = weight
                    found[term] = (size, term, key)
    # Heaviest first; ties: the shorter word, then the term (the key only travels along).
    ranked = sorted((-w, *found[t]) for t, w in terms.items())[:MAX_KEYS]
    anchors = sum(-w for w, _, _, _ in ranked if -w >= W_PLACE) + W_PLACE * places.bit_count()
    keys = [(key, -w) for w, _, _, key in ranked]
    rest = places
    while rest:
        bit = rest & -rest
        terms[_PLACE_OF_BIT[bit]] = W_PLACE
        rest ^= bit
    text = (" ".join(title_words) + " " + " ".join(lead_words)).lower()
    digest = hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).digest()
    text_hash = int.from_bytes(digest, "big", signed=True)
    # Verbatim copies match on their anchors; a key for the whole text is for articles
    # with too few of them. Below six words, unrelated briefs would collide.
    if len(keys) < 3 and len(title_words) + len(lead_words) >= 6:
        keys.append((text_hash & 0xFFFFFFFF, EXACT))
    return Features(terms, keys, places, anchors, text_hash)


def pair_weight(a: float, b: float) -> float:
    """What one term found in both articles counts: its lower weight (a year in one, the
    same number as a figure in the other, counts as a year)."""
    return a if a < b else b


def same_story(shared: float, anchors_a: float, anchors_b: float) -> bool:
    """The decision, from the shared weight and each side's anchor weight."""
    if shared >= EXACT:
        return True
    smaller = min(anchors_a, anchors_b)
    return shared >= MIN_SHARED and smaller > 0 and shared >= MIN_COVER * smaller


def shared_weight(a: Features, b: Features) -> float:
    """The weight of the terms two articles share, places included."""
    theirs = dict(b.keys)
    shared = sum(pair_weight(w, theirs[k]) for k, w in a.keys if k in theirs)
    return shared + W_PLACE * (a.places & b.places).bit_count()


def similarity(a: Features, b: Features) -> float:
    """0 when the two are not one story, else the shared weight (higher: more alike).
    The rule the database path applies, over all keys of both sides (the database keeps
    stories.INDEXED keys an article and skips terms too common in the window)."""
    shared = shared_weight(a, b)
    return shared if same_story(shared, a.anchors, b.anchors) else 0.0
