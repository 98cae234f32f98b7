"""Credit lines: "Some information for this report comes from The Associated Press, Reuters, and
Agence France-Presse." names the agencies an article draws on.

This is a fixed editorial formula at the end of wire-based stories, not free prose, so patterns
over the line are the right tool (the spaCy rules in claims.extraction are for the reporting itself).
"""

from __future__ import annotations

import re

_DOC = r"(?:this|the)\s+(?:report|article|story|dispatch)"
_WHAT = r"(?:information|material|reporting|details|content)"

# Each pattern captures the list of credited names in `names`.
_CREDIT_LINES = [
    # "Some information for this report comes from AP, Reuters and AFP."
    # "Material in this article was taken from Reuters."
    re.compile(
        rf"^(?:some\s+|additional\s+|much\s+of\s+the\s+|the\s+)?{_WHAT}\s+"
        rf"(?:for|in|used\s+in|included\s+in)\s+{_DOC}\s+"
        r"(?:comes?|came|was|were|is|are|has\s+been|have\s+been)\s+"
        r"(?:taken\s+|drawn\s+|obtained\s+|provided\s+)?(?:from|by)\s+(?P<names>.+?)\.?$",
        re.IGNORECASE,
    ),
    # "This report contains material from Reuters and The Associated Press."
    re.compile(
        rf"^{_DOC}\s+(?:contains|includes|uses|used|draws\s+on|is\s+based\s+on)\s+"
        rf"(?:some\s+)?{_WHAT}\s+from\s+(?P<names>.+?)\.?$",
        re.IGNORECASE,
    ),
    # "Information from Reuters was used in this report."
    re.compile(
        rf"^(?:some\s+)?{_WHAT}\s+from\s+(?P<names>.+?)\s+(?:was|were)\s+used\s+in\s+{_DOC}\.?$",
        re.IGNORECASE,
    ),
]
# "Reuters and AFP contributed to this report." also credits reporters by name ("Jane Doe
# contributed"), so this form only counts for names we know to be agencies.
_CONTRIBUTED = re.compile(
    rf"^(?P<names>.+?)\s+contributed(?:\s+reporting)?\s+(?:to|for)\s+{_DOC}\.?$", re.IGNORECASE
)

# One spelling per well-known agency, so "AP", "the Associated Press" and "The Associated Press"
# credit the same outlet.
CANONICAL_AGENCIES = {
    "ap": "The Associated Press",
    "associated press": "The Associated Press",
    "afp": "Agence France-Presse",
    "agence france-presse": "Agence France-Presse",
    "agence france presse": "Agence France-Presse",
    "reuters": "Reuters",
    "thomson reuters": "Reuters",
    "dpa": "Deutsche Presse-Agentur",
    "deutsche presse-agentur": "Deutsche Presse-Agentur",
    "upi": "United Press International",
    "united press international": "United Press International",
    "xinhua": "Xinhua",
    "kyodo": "Kyodo News",
    "kyodo news": "Kyodo News",
    "ansa": "ANSA",
    "efe": "EFE",
    "tass": "TASS",
    "interfax": "Interfax",
    "anadolu": "Anadolu Agency",
    "anadolu agency": "Anadolu Agency",
    "press trust of india": "Press Trust of India",
    "pti": "Press Trust of India",
}

_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b)\s*", re.IGNORECASE)
_THE = re.compile(r"^the\s+", re.IGNORECASE)
_MAX_LINE = 400  # credit lines are short; a long paragraph that happens to match is prose
_MAX_NAME_WORDS = 8


def canonical_agency(name: str) -> str:
    """The one spelling we store for an agency name ("AP" -> "The Associated Press")."""
    name = name.strip().strip(".\"'“”‘’ ")
    bare = _THE.sub("", name)
    return CANONICAL_AGENCIES.get(bare.casefold(), bare)


def split_names(names: str) -> list[str]:
    """ "AP, Reuters, and Agence France-Presse" -> the three names, canonical spellings."""
    out = []
    for piece in _SPLIT.split(names):
        piece = piece.strip().strip(".\"'“”‘’ ")
        if not piece:
            continue
        out.append(canonical_agency(piece))
    return out


def credited_agencies(body: str) -> tuple[str, ...]:
    """Agencies credited by the credit lines of an article body, in order, without repeats."""
    found: list[str] = []
    for paragraph in body.split("\n"):
        line = paragraph.strip()
        if not line or len(line) > _MAX_LINE:
            continue
        found.extend(_names_in_line(line))
    seen: set[str] = set()
    unique = []
    for name in found:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            unique.append(name)
    return tuple(unique)


def _names_in_line(line: str) -> list[str]:
    for pattern in _CREDIT_LINES:
        match = pattern.match(line)
        if match:
            return [name for name in split_names(match["names"]) if _looks_like_name(name)]
    match = _CONTRIBUTED.match(line)
    if match:
        known = set(CANONICAL_AGENCIES.values())
        return [name for name in split_names(match["names"]) if name in known]
    return []


def _looks_like_name(name: str) -> bool:
    # "other news agencies", "wire services", "staff reports": descriptions, not outlets.
    words = name.split()
    return bool(words) and name[0].isupper() and len(words) <= _MAX_NAME_WORDS
