"""Pasted BibTeX: one entry (with its ``@string`` macros and ``crossref`` parent) into ``PaperMetadata``."""

from __future__ import annotations

import re
import unicodedata

import bibtexparser
import bibtexparser.model
from pylatexenc import latex2text

from papers.links import web_url_or_empty
from papers.sources.common import (
    CATEGORY_RE,
    PaperMetadata,
    SourceError,
    acronym_from_name,
    arxiv_id_from_doi,
    collapse,
    make_date,
    set_arxiv_venue,
    unique,
)
from shortscience.lib.identifiers import parse_arxiv_id, parse_doi
from shortscience.lib.numbers import ascii_int

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _refusal(text: str, block: bibtexparser.model.ParsingFailedBlock) -> SourceError:
    """bibtexparser's reason for giving up on a block, as a message for the reader."""
    start_line = (block.start_line or 0) + 1
    reason = getattr(block.error, "abort_reason", "") or str(block.error)
    if "end of file" in reason or "Was still looking for" in reason:
        return SourceError(
            f'The BibTeX entry starting on line {start_line} is incomplete: a {{, a " or the entry itself is '
            "never closed — check that every { has a matching }."
        )
    end_index = getattr(block.error, "end_index", None)
    line = _line_of(text, end_index) if end_index is not None else start_line
    if "Expected a `=`" in reason:
        return SourceError(
            f"Expected “=” on line {line} of the BibTeX entry starting on line {start_line} — "
            "fields should look like title = {…}."
        )
    if "after entry key" in reason:
        return SourceError(
            f"The BibTeX entry starting on line {start_line} should start with its key and a comma, "
            "like @article{key, …"
        )
    return SourceError(f"Line {line} of the BibTeX could not be read — fields should look like title = {{…}}.")


def _split_concatenation(raw: str) -> list[str]:
    """``"Proc. of " # icml # {2020}`` → its parts; a ``#`` inside braces or quotes is text."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(raw[start:index].strip())
            start = index + 1
    parts.append(raw[start:].strip())
    return parts


def _value(field: bibtexparser.model.Field, macros: dict[str, str]) -> str:
    """A field's raw value with its delimiters removed, its ``#`` parts joined and its macros resolved.

    Inner braces stay: they protect case and group accents for ``_latex_to_text``.
    """
    out = []
    for part in _split_concatenation(field.value):
        if len(part) >= 2 and part[0] + part[-1] in ("{}", '""'):
            out.append(part[1:-1])
        elif part and ascii_int(part) is not None:
            out.append(part)
        elif part:
            out.append(macros.get(part.lower(), ""))
        else:
            raise SourceError(f"Expected a field value on line {(field.start_line or 0) + 1} of the BibTeX.")
    return "".join(out)


def _read_entries(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """Every entry of a .bib text as (type, key, {field: value}), ``@string`` macros resolved.

    bibtexparser splits the text into blocks; a block it could not read becomes a ``SourceError``.
    """
    library = bibtexparser.parse_string(text, parse_stack=[])
    macros = {name: str(number) for name, number in _MONTHS.items() if len(name) == 3}
    found = []
    for block in library.blocks:
        if isinstance(block, bibtexparser.model.DuplicateFieldKeyBlock):
            block = block.ignore_error_block  # BibTeX itself keeps the first of duplicate fields
        elif isinstance(block, bibtexparser.model.ParsingFailedBlock):
            raise _refusal(text, block)
        if isinstance(block, bibtexparser.model.String):
            macros[block.key.lower()] = _value(
                bibtexparser.model.Field(block.key, block.value, block.start_line), macros
            )
        elif isinstance(block, bibtexparser.model.Entry):
            fields: dict[str, str] = {}
            for field in block.fields:
                fields.setdefault(field.key.lower(), _value(field, macros))
            found.append((block.entry_type.lower(), block.key, fields))
    return found


# LaTeX → Unicode by pylatexenc. Math (``$…$``) is kept as written: the site typesets it with KaTeX.
# strict_latex_spaces: a macro eats the space after it, as in LaTeX (``\ss x`` is "ßx").
_LATEX_CONTEXT = latex2text.get_default_latex_context_db()
_LATEX_CONTEXT.add_context_category(
    "shortscience-logos",
    prepend=True,
    macros=[
        latex2text.MacroTextSpec("LaTeX", simplify_repl="LaTeX"),
        latex2text.MacroTextSpec("TeX", simplify_repl="TeX"),
    ],
)
_LATEX = latex2text.LatexNodes2Text(latex_context=_LATEX_CONTEXT, math_mode="verbatim", strict_latex_spaces=True)


# pylatexenc recurses once per group; real entries nest a few levels, so a deeper one is refused before it
# can exhaust the stack.
MAX_BRACE_DEPTH = 50


def _latex_to_text(value: str) -> str:
    """Decode the LaTeX found in titles and names into plain Unicode text."""
    depth = deepest = 0
    for char in value:
        if char == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "}":
            depth -= 1
    if deepest > MAX_BRACE_DEPTH:
        raise SourceError(f"The BibTeX nests braces more than {MAX_BRACE_DEPTH} deep; remove the extra {{ }}.")
    return collapse(unicodedata.normalize("NFC", _LATEX.latex_to_text(value)))


def _split_top_level(value: str, separator: str) -> list[str]:
    """Split on ``separator`` (a word like "and", or ",") outside braces."""
    parts, current, depth, i = [], [], 0, 0
    word = separator.isalpha()
    while i < len(value):
        char = value[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            if word:
                match = re.match(rf"\s+{separator}\s+", value[i:], re.IGNORECASE)
                if match:
                    parts.append("".join(current))
                    current, i = [], i + match.end()
                    continue
            elif char == separator:
                parts.append("".join(current))
                current, i = [], i + 1
                continue
        current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def _bibtex_name(raw: str) -> str:
    """``"von Last, Jr, First"`` / ``"Last, First"`` / ``"First von Last"`` → ``"First von Last Jr"``."""
    parts = [_latex_to_text(p) for p in _split_top_level(raw.strip(), ",")]
    if len(parts) == 2:
        parts = [parts[1], parts[0]]
    elif len(parts) >= 3:
        parts = [parts[2], parts[0], parts[1]]
    name = collapse(" ".join(parts))
    # DBLP tells namesakes apart with a number ("Wei Liu 0005"); it is not part of the name.
    return re.sub(r"\s+\d{4}$", "", name)


def _bibtex_authors(value: str) -> list[str]:
    names = [_bibtex_name(n) for n in _split_top_level(collapse(value), "and")]
    return [n for n in names if n and n.lower() != "others"]


def _bibtex_year(value: str) -> int | None:
    match = re.search(r"\b(\d{4})\b", value or "")
    return int(match.group(1)) if match else None


def _bibtex_month(value: str) -> int | None:
    value = _latex_to_text(value or "").strip().lower().rstrip(".")
    number = ascii_int(value)
    if number is not None:
        return number if 1 <= number <= 12 else None
    return _MONTHS.get(value)


def _bibtex_arxiv(fields: dict[str, str]) -> tuple[str, int | None]:
    prefix = collapse(fields.get("archiveprefix") or fields.get("eprinttype")).lower()
    candidates = []
    if prefix in ("", "arxiv"):
        candidates.append(fields.get("eprint", ""))
    if collapse(fields.get("journal")).lower() == "corr":  # DBLP: volume = {abs/1706.03762}
        candidates.append(re.sub(r"^abs/", "", collapse(fields.get("volume"))))
    for name in ("url", "journal", "journaltitle", "note", "howpublished", "doi"):
        text = fields.get(name, "")
        match = re.search(r"arxiv\.org/(?:abs|pdf)/(\S+?)(?:\.pdf)?(?:[?#}\s]|$)", text, re.IGNORECASE)
        match = match or re.search(r"arxiv:\s*([\w.\-/]+)", text, re.IGNORECASE)
        if match:
            candidates.append(match.group(1))
        elif name == "doi" and arxiv_id_from_doi(parse_doi(text) or ""):
            candidates.append(arxiv_id_from_doi(parse_doi(text) or ""))
    for candidate in candidates:
        parsed = parse_arxiv_id(collapse(candidate).strip("{}"))
        if parsed:
            return parsed.id, parsed.version
    return "", None


def _bibtex_keywords(fields: dict[str, str]) -> list[str]:
    words = []
    primary = collapse(fields.get("primaryclass"))
    if CATEGORY_RE.match(primary):
        words.append(primary)
    for word in re.split(r"[,;]", _latex_to_text(fields.get("keywords") or fields.get("keyword") or "")):
        word = collapse(word)
        # arXiv's DataCite export writes categories as "Machine Learning (cs.LG)".
        category = re.search(r"\(([a-z][a-z\-]*\.[A-Za-z\-]+)\)$", word)
        words.append(category.group(1) if category else word)
    return unique(words)


def _bibtex_verbatim(value: str) -> str:
    """URLs and DOIs are not LaTeX text, but some exporters still escape ``_``, ``%``, ``&``, ``#``."""
    return re.sub(r"\\([_%&#~])", r"\1", collapse(value).strip("{}")).replace(" ", "")


def _is_arxiv_venue(name: str) -> bool:
    return bool(re.match(r"^(?:corr|arxiv)\b", name.strip(), re.IGNORECASE))


def parse_bibtex(text: str) -> PaperMetadata:
    """Read ONE BibTeX entry (the first one, if several are pasted).

    ``@string`` macros and a ``crossref`` to a ``@proceedings`` entry pasted along
    with it (DBLP's "with crossref" export) are resolved.
    """
    if not text or not text.strip():
        raise SourceError("Paste a BibTeX entry, e.g. @article{key, title = {…}, author = {…}, year = {…}}.")
    entries = _read_entries(text)
    if not entries:
        raise SourceError(
            "This does not look like BibTeX: an entry starts with something like "
            "@article{key, … or @inproceedings{key, …"
        )
    kind, key, fields = entries[0]
    parent_key = collapse(fields.get("crossref")).lower()
    for other_kind, other_key, other_fields in entries[1:]:
        if parent_key and other_key.lower() == parent_key:
            inherited = dict(other_fields)
            if other_kind == "proceedings" and "title" in inherited:
                inherited.setdefault("booktitle", inherited["title"])
            for name in ("booktitle", "journal", "year", "month", "publisher", "series", "volume"):
                if name in inherited:
                    fields.setdefault(name, inherited[name])

    title = _latex_to_text(fields.get("title", ""))
    if not title:
        raise SourceError("The BibTeX entry has no title = {…} field.")

    meta = PaperMetadata(
        title=title,
        authors=_bibtex_authors(fields.get("author", "")),
        abstract=_latex_to_text(fields.get("abstract", "")),
        source="bibtex",
    )
    if key.upper().startswith("DBLP:"):
        meta.dblp_key = key[5:]

    date = re.match(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", collapse(fields.get("date")))
    if date:  # biblatex
        meta.year = int(date.group(1))
        meta.published_on = make_date(meta.year, int(date.group(2) or 0) or None, int(date.group(3) or 0) or None)
    else:
        meta.year = _bibtex_year(_latex_to_text(fields.get("year", "")))
        day = re.sub(r"\D", "", fields.get("day", ""))
        meta.published_on = make_date(meta.year, _bibtex_month(fields.get("month", "")), int(day or 0) or None)

    meta.arxiv_id, meta.arxiv_version = _bibtex_arxiv(fields)
    meta.url = web_url_or_empty(_bibtex_verbatim(fields.get("url", "")))
    doi = parse_doi(_bibtex_verbatim(fields.get("doi", ""))) or ""
    if not doi and "doi.org/" in meta.url:
        doi = parse_doi(meta.url) or ""
    meta.doi = "" if arxiv_id_from_doi(doi) else doi
    meta.keywords = _bibtex_keywords(fields)

    journal = _latex_to_text(fields.get("journal") or fields.get("journaltitle") or "")
    booktitle = _latex_to_text(fields.get("booktitle", ""))
    if kind in ("inproceedings", "conference") and booktitle:
        meta.venue_name = booktitle
        meta.venue_kind = "workshop" if "workshop" in booktitle.lower() else "conference"
    elif journal and not _is_arxiv_venue(journal):
        meta.venue_name = journal
        meta.venue_kind = "journal" if kind == "article" else ""
    elif meta.arxiv_id:
        set_arxiv_venue(meta)
    elif booktitle:
        meta.venue_name = booktitle

    if meta.venue_kind != "preprint":
        meta.venue_acronym = acronym_from_name(meta.venue_name)
        conf = re.match(r"^conf/([a-z0-9]+)/", meta.dblp_key)
        if not meta.venue_acronym and conf and meta.venue_kind in ("conference", "workshop"):
            meta.venue_acronym = conf.group(1).upper()
    return meta
