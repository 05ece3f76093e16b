"""Parsing and normalising paper identifiers (arXiv ids, DOIs, DBLP keys).

Every identifier is stored in one canonical form so that uniqueness constraints
and look-ups work whatever form a reader or an old link used:

* arXiv ids: ``1706.03762`` / ``hep-th/9901001`` (lower case, no ``arXiv:`` prefix,
  no version); the version, if any, is returned separately.
* DOIs: ``10.1145/3065386`` in lower case (DOIs are case-insensitive), without
  ``doi:`` or ``https://doi.org/`` prefixes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

# New-style ids (2007+): YYMM.NNNN or YYMM.NNNNN, optional version.
_NEW_ARXIV = r"(?P<new>\d{4}\.\d{4,5})"
# Old-style ids: archive(.subject-class)/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136.
_OLD_ARXIV = r"(?P<old>(?P<archive>[a-z][a-z\-]*)(?:\.[a-z]{2})?/(?P<number>\d{7}))"
ARXIV_ID_RE = re.compile(rf"^(?:{_NEW_ARXIV}|{_OLD_ARXIV})(?:v(?P<version>\d+))?$", re.IGNORECASE)
_ARXIV_URL_RE = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/(?P<id>[^?#]+?)(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)
_DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX_RE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
# DBLP keys look like conf/nips/VaswaniSPUJGKP17 or journals/corr/abs-1706-03762.
_DBLP_RE = re.compile(r"^(?:conf|journals|books|phd|series|reference)/[\w\-]+/[\w\-.]+$")
# The old site's keys for arXiv papers: journals/corr/<arXiv id>[vN] (and DBLP's abs-YYMM-NNNNN form).
_CORR_RE = re.compile(r"^journals/corr/(?:abs-(?P<dashed>\d{4}-\d{4,5})|(?P<id>.+))$", re.IGNORECASE)


@dataclass(frozen=True)
class ArxivId:
    id: str
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id


def parse_arxiv_id(value: str) -> ArxivId | None:
    """Return the canonical arXiv id in ``value`` (bare id, ``arXiv:`` form or URL), or None."""
    value = (value or "").strip()
    match = _ARXIV_URL_RE.match(value)
    if match:
        value = match.group("id")
    value = re.sub(r"^arxiv:\s*", "", value, flags=re.IGNORECASE)
    match = ARXIV_ID_RE.match(value)
    if not match:
        return None
    # The subject class of old-style ids (math.GT/0309136) is not part of the id.
    ident = match.group("new") or f"{match.group('archive')}/{match.group('number')}".lower()
    if match.group("new") and (len(ident) == 10) != (ident[:4] >= "1501"):
        # Since January 2015 the sequence number has five digits; before, four.
        return None
    version = int(match.group("version")) if match.group("version") else None
    return ArxivId(ident, version)


def normalize_arxiv_id(value: str) -> str:
    """Canonical arXiv id without version; raises ValueError if ``value`` is not one."""
    parsed = parse_arxiv_id(value)
    if parsed is None:
        raise ValueError(f"Not an arXiv identifier: {value!r}")
    return parsed.id


def parse_doi(value: str) -> str | None:
    """Return the canonical (lower-case, prefix-free) DOI in ``value``, or None."""
    value = unquote((value or "").strip())
    value = _DOI_PREFIX_RE.sub("", value).strip().rstrip(".")
    if not _DOI_RE.match(value):
        return None
    return value.lower()


def normalize_doi(value: str) -> str:
    """Canonical DOI; raises ValueError if ``value`` is not one."""
    doi = parse_doi(value)
    if doi is None:
        raise ValueError(f"Not a DOI: {value!r}")
    return doi


def is_dblp_key(value: str) -> bool:
    return bool(_DBLP_RE.match((value or "").strip()))


@dataclass(frozen=True)
class Identifier:
    """What a free-form identifier typed by a reader (or an old link key) refers to."""

    kind: str  # "arxiv", "doi" or "dblp"
    value: str
    version: int | None = None


def parse_identifier(value: str) -> Identifier | None:
    """Recognise an arXiv id/URL, a DOI/DOI URL, ``journals/corr/<id>`` or a DBLP key.

    Returns None for anything else (e.g. a title or free-text search).
    """
    value = (value or "").strip()
    if not value:
        return None
    corr = _CORR_RE.match(value)
    if corr:
        candidate = corr.group("dashed")
        candidate = candidate.replace("-", ".") if candidate else corr.group("id")
        arxiv = parse_arxiv_id(candidate)
        if arxiv:
            return Identifier("arxiv", arxiv.id, arxiv.version)
    arxiv = parse_arxiv_id(value)
    if arxiv:
        return Identifier("arxiv", arxiv.id, arxiv.version)
    doi = parse_doi(value)
    if doi:
        return Identifier("doi", doi)
    if is_dblp_key(value):
        return Identifier("dblp", value)
    return None
