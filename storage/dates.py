"""Feed date strings to unix seconds (UTC).

Owns the date formats feeds really use: RFC 822/2822 (with named and military
zones, two-digit years, missing seconds), ISO 8601 / RFC 3339 / W3C-DTF (Atom,
JSON Feed, dc:date) and a few common near-misses. Anything else is None: a wrong
date sorts an article in the wrong place, a missing one gets the first-seen time.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from email.utils import parsedate_tz

__all__ = ["parse_date"]

# Hours east of UTC. RFC 822 military letters were defined with the wrong sign
# and RFC 2822 says to read them as "-0000" (unknown), so they count as UTC.
_ZONES: dict[str, float] = {
    "ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0, "bst": 1, "west": 1, "cet": 1,
    "met": 1, "cest": 2, "mest": 2, "eet": 2, "sast": 2, "eest": 3, "msk": 3,
    "ist": 5.5, "ict": 7, "wib": 7, "hkt": 8, "sgt": 8, "awst": 8, "pht": 8,
    "cst": -6, "jst": 9, "kst": 9, "acst": 9.5, "aest": 10, "acdt": 10.5, "aedt": 11,
    "nzst": 12, "nzdt": 13, "est": -5, "edt": -4, "cdt": -5, "mst": -7, "mdt": -6,
    "pst": -8, "pdt": -7, "akst": -9, "akdt": -8, "hst": -10, "ast": -4, "adt": -3,
    "nst": -3.5, "ndt": -2.5, "brt": -3, "art": -3,
}  # fmt: skip
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "janv", "jän", "ene", "gen"),
            ("feb", "february", "fév", "févr", "fevr", "febr"),
            ("mar", "march", "mär", "mars", "mrz"),
            ("apr", "april", "avr", "abr"),
            ("may", "mai", "mei", "mag"),
            ("jun", "june", "juin", "juni"),
            ("jul", "july", "juil", "juli", "lug"),
            ("aug", "august", "août", "ago"),
            ("sep", "sept", "september", "set"),
            ("oct", "october", "okt", "ott", "out"),
            ("nov", "november"),
            ("dec", "december", "dez", "déc", "dic"),
        ),
        start=1,
    )
    for name in names
}

_TIME = r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?"
_ZONE = r"(?:\s*(?:(?:GMT|UTC|UT)?\s*([+-]\d{1,2}:?\d{2})|\(?([A-Za-z]{1,5})\)?))?"
# "Tue, 02 Jan 2024 10:00:00 GMT", "2 Jan 24 10:00 +0100", "02-Jan-2024 10:00:00"
_DAY_FIRST = re.compile(
    r"^\s*(?:[^\W\d]{2,9}\.?,?\s*)?(\d{1,2})[\s./-]+([^\W\d]{3,9})\.?,?[\s./-]+(\d{2,4})"
    rf"(?:[\s,T]+(?:at\s+)?{_TIME})?{_ZONE}"
)
# "Tue Jan 02 2024 10:00:00 GMT+0000", "January 2, 2024 10:00 am", "Tue Jan 2 10:00:00 2024"
_MONTH_FIRST = re.compile(
    r"^\s*(?:[^\W\d]{2,9}[.,]?\s+)?([^\W\d]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+"
    rf"(?:(\d{{4}})(?:[\s,T]+(?:at\s+)?{_TIME}\s*([AaPp][Mm])?)?|{_TIME}\s+(\d{{4}})){_ZONE}"
)
_ISO_LIKE = re.compile(r"^\s*\d{4}[-/]?\d{2}")
# ISO 8601 that datetime.fromisoformat (3.11) refuses: a space before the offset,
# "24:00", a slash date.
_ISO_LOOSE = re.compile(
    r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|[A-Za-z]{1,5})?\s*$"
)


def parse_date(value: str | None) -> int | None:
    """Unix seconds for a feed date string, or None when it is missing or unreadable."""
    if not value:
        return None
    value = value.strip()
    if not value or len(value) > 100:
        return None
    try:
        if _ISO_LIKE.match(value):
            return _iso(value)
        return _rfc822(value)
    except (ValueError, OverflowError, IndexError):
        return None


def _iso(value: str) -> int | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        match = _ISO_LOOSE.match(value)
        if not match:
            return None
        year, month, day, hour, minute, second, zone = match.groups()
        offset, name = (zone, None) if zone and zone[0] in "+-Zz" else (None, zone)
        return _timestamp(year, month, day, hour, minute, second, _zone_offset(offset, name))
    if moment.tzinfo is None:
        # A date without an offset in a feed is nearly always meant as UTC.
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _rfc822(value: str) -> int | None:
    match = _DAY_FIRST.match(value)
    if match:
        day, month, year, hour, minute, second, offset, name = match.groups()
        return _build(year, month, day, hour, minute, second, offset, name)
    match = _MONTH_FIRST.match(value)
    if match:
        month, day, year, hour, minute, second, ampm = match.groups()[:7]
        hour2, minute2, second2, year2, offset, name = match.groups()[7:]
        if year is None:
            year, hour, minute, second = year2, hour2, minute2, second2
        elif hour is not None and ampm:
            hour = str(int(hour) % 12 + (12 if ampm.lower() == "pm" else 0))
        return _build(year, month, day, hour, minute, second, offset, name)
    parsed = parsedate_tz(value)  # last resort; the stdlib knows a few more shapes
    if parsed is None:
        return None
    offset_seconds = parsed[9] or 0
    return calendar.timegm((*parsed[:6], 0, 1, 0)) - offset_seconds


def _build(
    year: str,
    month_name: str,
    day: str,
    hour: str | None,
    minute: str | None,
    second: str | None,
    offset: str | None,
    zone_name: str | None,
) -> int | None:
    month = _MONTHS.get(month_name.lower()) or _MONTHS.get(month_name[:3].lower())
    if month is None:
        return None
    if len(year) == 2:
        year = str(2000 + int(year) if int(year) < 70 else 1900 + int(year))
    elif len(year) == 3:
        return None
    return _timestamp(year, month, day, hour, minute, second, _zone_offset(offset, zone_name))


def _zone_offset(offset: str | None, name: str | None) -> int:
    """Seconds east of UTC; an unknown zone name counts as UTC rather than losing the date."""
    if offset:
        if offset in ("Z", "z"):
            return 0
        digits = offset[1:].replace(":", "")
        hours, minutes = (digits[:-2] or "0"), digits[-2:]
        seconds = int(hours) * 3600 + int(minutes) * 60
        return -seconds if offset[0] == "-" else seconds
    if name:
        return int(_ZONES.get(name.lower(), 0) * 3600)
    return 0


def _timestamp(
    year: str | int,
    month: str | int,
    day: str | int,
    hour: str | None,
    minute: str | None,
    second: str | None,
    offset: int,
) -> int | None:
    h, m, s = int(hour or 0), int(minute or 0), int(second or 0)
    s = min(s, 59)  # a leap second is not worth losing the date over
    extra = 0
    if h == 24 and m == 0 and s == 0:  # "24:00" is midnight at the end of the day
        h, extra = 0, 86400
    moment = datetime(int(year), int(month), int(day), h, m, s, tzinfo=UTC)  # validates
    return int(moment.timestamp()) + extra - offset
