"""arXiv's category taxonomy as data (``papers/data/arxiv_taxonomy.json``: code, English and Simplified Chinese
names, archive, group), loaded into ``papers.Category`` by a migration and by ``load_taxonomy`` after an edit."""

from __future__ import annotations

import json
import re
from pathlib import Path

TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "arxiv_taxonomy.json"
# A category code as arXiv writes it: an archive ("cs", "hep-th", "cond-mat") and an optional subject ("LG",
# "stat-mech").
CODE_RE = r"[a-z][a-z-]{0,15}(?:\.[A-Za-z][A-Za-z-]{0,15})?"


def entries() -> list[dict]:
    return json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))


def load(category_model, *, using: str = "default") -> int:
    """Create or update every category of the taxonomy file (names only; counters are left alone) in the database
    ``using`` (a migration passes the one it migrates)."""
    rows = [category_model(**entry) for entry in entries()]
    category_model.objects.using(using).bulk_create(
        rows, update_conflicts=True, unique_fields=["code"], update_fields=["name", "name_zh", "archive", "group"]
    )
    return len(rows)


def is_code(text: str) -> bool:
    return re.fullmatch(CODE_RE, text or "") is not None


class CategoryCodeConverter:
    regex = CODE_RE

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)
