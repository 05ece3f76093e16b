"""arXiv's OAI-PMH interface (https://oaipmh.arxiv.org/oai): ``ListRecords`` pages read into ``ArxivRecord``s.

A page (up to a thousand records, a few megabytes) is parsed as it streams in with ``ElementTree.iterparse``;
each ``<record>`` is turned into a record and cleared at once, so memory holds records, never the tree.

Two metadata formats are understood (https://info.arxiv.org/help/oa/index.html):

- ``arXiv`` (the default): authors split into ``keyname``/``forenames`` with their ``affiliation``s, categories,
  licence, journal-ref, DOI, and the dates of the first (``created``) and latest (``updated``) versions. This is
  what the digest shows (affiliations), so the daily completion and the backfill ask for it. Its one gap: the
  latest version's *number* is not given, so the record carries v1 and keeps ``updated`` in ``extra``.
- ``arXivRaw``: every version with its date (``<version version="v2"><date>…``), authors as one TeX string
  (affiliations in parentheses). ``harvest_arxiv --format arXivRaw`` fills complete version histories.

A deleted record (``<header status="deleted">``) becomes a record with ``state="deleted"`` and nothing else;
"withdrawn" is read from the comments arXiv puts on a withdrawn version. Malformed XML, a DTD, or an OAI-PMH
error other than ``noRecordsMatch`` raise, and the caller keeps its harvest state where it was.
"""

from __future__ import annotations

import datetime
import email.utils
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import BinaryIO

from pylatexenc.latex2text import LatexNodes2Text

from papers.arxiv.client import HarvestError, MalformedResponse
from papers.arxiv.records import ArxivRecord, ArxivState
from papers.sources.common import CATEGORY_RE, collapse, unique
from shortscience.lib.identifiers import parse_arxiv_id, parse_doi

OAI_URL = "https://oaipmh.arxiv.org/oai"
FORMATS = ("arXiv", "arXivRaw")

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"
ARXIV_RAW = "{http://arxiv.org/OAI/arXivRaw/}"

_DTD_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_WITHDRAWN_RE = re.compile(
    r"^\s*(?:this (?:paper|article|submission|manuscript|work) (?:has been|is|was) )?withdrawn\b", re.IGNORECASE
)
_LATEX = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


class OaiError(HarvestError):
    """arXiv answered with an OAI-PMH ``<error>`` (a bad argument, an expired resumption token, …)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"OAI-PMH error {code}: {message}")
        self.code = code


@dataclass
class OaiPage:
    records: list[ArxivRecord] = field(default_factory=list)
    resumption_token: str = ""  # empty: this was the last page
    complete_list_size: int | None = None  # how many records the whole list has, when arXiv says
    cursor: int | None = None  # how many came before this page
    last_datestamp: datetime.date | None = None  # the latest header datestamp on the page


def list_records_params(
    *,
    metadata_prefix: str = "arXiv",
    set_spec: str = "",
    from_date: datetime.date | None = None,
    until: datetime.date | None = None,
    resumption_token: str = "",
) -> dict[str, str]:
    """The query of a ``ListRecords`` request; a resumption token stands alone, as OAI-PMH requires."""
    if resumption_token:
        return {"verb": "ListRecords", "resumptionToken": resumption_token}
    params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
    if set_spec:
        params["set"] = set_spec
    if from_date:
        params["from"] = from_date.isoformat()
    if until:
        params["until"] = until.isoformat()
    return params


class _Prefixed:
    """A stream with its first bytes (already read to look for a DTD) put back in front."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            chunk, self.head = self.head, b""
            return chunk
        return self.rest.read(size)


def parse_list_records(stream: BinaryIO) -> OaiPage:
    """Read one ``ListRecords`` answer as it streams in."""
    head = stream.read(4096)
    # ElementTree expands internal entities; OAI-PMH needs no DTD, so one is refused outright.
    if _DTD_RE.search(head):
        raise MalformedResponse("arXiv's OAI-PMH answer carries a DTD; refused")
    page = OaiPage()
    container = None
    try:
        for event, element in ET.iterparse(_Prefixed(head, stream), events=("start", "end")):
            if event == "start":
                if element.tag == f"{OAI}ListRecords":
                    container = element
                continue
            if element.tag == f"{OAI}record":
                record, datestamp = _record(element)
                if record is not None:
                    page.records.append(record)
                if datestamp and (page.last_datestamp is None or datestamp > page.last_datestamp):
                    page.last_datestamp = datestamp
                element.clear()
                if container is not None:
                    container.remove(element)
            elif element.tag == f"{OAI}resumptionToken":
                page.resumption_token = (element.text or "").strip()
                page.complete_list_size = _int(element.get("completeListSize"))
                page.cursor = _int(element.get("cursor"))
            elif element.tag == f"{OAI}error":
                code = element.get("code", "")
                if code != "noRecordsMatch":  # an empty selection is an answer, not a failure
                    raise OaiError(code, collapse(element.text))
            elif element.tag == f"{OAI}OAI-PMH":
                break
        else:
            raise MalformedResponse("arXiv's OAI-PMH answer is not an OAI-PMH document")
    except ET.ParseError as error:
        raise MalformedResponse(f"arXiv's OAI-PMH answer is malformed XML ({error})") from error
    return page


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)


def _text(element: ET.Element, path: str) -> str:
    return collapse(element.findtext(path))


def _name(value: str) -> str:
    """A name as printed: TeX accents (``Bal\\'azs``) decoded; math and everything else kept."""
    return collapse(_LATEX.latex_to_text(value)) if "\\" in value or "{" in value else collapse(value)


def _record(element: ET.Element) -> tuple[ArxivRecord | None, datetime.date | None]:
    header = element.find(f"{OAI}header")
    if header is None:
        return None, None
    datestamp = _date(header.findtext(f"{OAI}datestamp"))
    parsed = parse_arxiv_id(_text(header, f"{OAI}identifier").removeprefix("oai:arXiv.org:"))
    if parsed is None:
        return None, datestamp
    if header.get("status") == "deleted":
        record = ArxivRecord(
            arxiv_id=parsed.id, title="", abstract="", authors=[], categories=[], versions=[],
            updated_on=datestamp, state=ArxivState.DELETED,
        )  # fmt: skip
        return record, datestamp
    metadata = element.find(f"{OAI}metadata")
    if metadata is None:
        return None, datestamp
    arxiv = metadata.find(f"{ARXIV}arXiv")
    if arxiv is not None:
        return _arxiv_format(parsed.id, arxiv, datestamp), datestamp
    raw = metadata.find(f"{ARXIV_RAW}arXivRaw")
    if raw is not None:
        return _arxiv_raw_format(parsed.id, raw, datestamp), datestamp
    return None, datestamp


def _common(arxiv_id: str, element: ET.Element, ns: str, datestamp: datetime.date | None) -> ArxivRecord:
    comments = _text(element, f"{ns}comments")
    doi = ""
    for candidate in _text(element, f"{ns}doi").split():
        doi = parse_doi(candidate) or ""
        if doi:
            break
    return ArxivRecord(
        arxiv_id=arxiv_id,
        title=_text(element, f"{ns}title"),
        abstract=_text(element, f"{ns}abstract"),
        authors=[],
        categories=unique([c for c in _text(element, f"{ns}categories").split() if CATEGORY_RE.match(c)]),
        versions=[],
        doi=doi,
        journal_ref=_text(element, f"{ns}journal-ref"),
        license=_text(element, f"{ns}license"),
        comments=comments,
        updated_on=datestamp,
        state=ArxivState.WITHDRAWN if _WITHDRAWN_RE.match(comments) else ArxivState.ACTIVE,
    )


def _arxiv_format(arxiv_id: str, element: ET.Element, datestamp: datetime.date | None) -> ArxivRecord:
    record = _common(arxiv_id, element, ARXIV, datestamp)
    for author in element.iterfind(f"{ARXIV}authors/{ARXIV}author"):
        parts = [_text(author, f"{ARXIV}forenames"), _text(author, f"{ARXIV}keyname"), _text(author, f"{ARXIV}suffix")]
        name = _name(" ".join(part for part in parts if part))
        if name:
            affiliations = [_name(a.text or "") for a in author.findall(f"{ARXIV}affiliation")]
            record.authors.append((name, [a for a in affiliations if a]))
    created = _date(element.findtext(f"{ARXIV}created"))
    if created:
        record.versions = [(1, _midnight(created))]
    updated = _date(element.findtext(f"{ARXIV}updated"))
    if updated:
        # The latest version's day; its number is not in this format (the daily RSS item or arXivRaw has it).
        record.extra["latest_version_on"] = updated
    return record


def _arxiv_raw_format(arxiv_id: str, element: ET.Element, datestamp: datetime.date | None) -> ArxivRecord:
    record = _common(arxiv_id, element, ARXIV_RAW, datestamp)
    record.authors = raw_authors(_text(element, f"{ARXIV_RAW}authors"))
    versions = []
    for version in element.iterfind(f"{ARXIV_RAW}version"):
        number = (version.get("version") or "").lstrip("v")
        try:
            created = email.utils.parsedate_to_datetime(_text(version, f"{ARXIV_RAW}date"))
        except (TypeError, ValueError):
            continue
        if number.isdigit():
            versions.append((int(number), created if created.tzinfo else created.replace(tzinfo=datetime.UTC)))
    record.versions = sorted(versions)
    submitter = _text(element, f"{ARXIV_RAW}submitter")
    if submitter:
        record.extra["submitter"] = submitter
    return record


def raw_authors(value: str) -> list[tuple[str, list[str]]]:
    """arXivRaw's author string (``A. Smith (MIT), B. Jones (ETH, Zürich) and C. Wu``) → (name, affiliations)."""
    authors = []
    for piece in _split_authors(value):
        name, affiliations, depth, current = [], [], 0, []
        for char in piece:
            if char == "(":
                depth += 1
                if depth == 1:
                    current = []
                    continue
            elif char == ")" and depth:
                depth -= 1
                if depth == 0:
                    affiliations.append(_name("".join(current)))
                    continue
            (current if depth else name).append(char)
        printed = _name("".join(name))
        if printed:
            authors.append((printed, [a for a in affiliations if a]))
    return authors


def _split_authors(value: str) -> list[str]:
    """Split on commas and "and" outside parentheses and braces."""
    parts, current, depth, i = [], [], 0, 0
    while i < len(value):
        char = value[i]
        if char in "({":
            depth += 1
        elif char in ")}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            match = re.match(r",\s*(?:and\s+)?|\s+and\s+", value[i:])
            if match:
                parts.append("".join(current))
                current, i = [], i + match.end()
                continue
        current.append(char)
        i += 1
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]
