"""Paper metadata from arXiv, Crossref and pasted BibTeX.

Everything here returns a ``PaperMetadata`` dataclass and the papers app decides what to store;
the only Django import is the setting ``get_client()`` reads (``METADATA_TIMEOUT_SECONDS``).

- ``client``: the HTTP transports (``urllib_http_get`` for short answers, ``urllib_http_open`` streaming, used by
  the arXiv harvest in ``papers.arxiv``) and ``MetadataClient`` (the seams: ``get_client()``, which views call
  through this package and tests patch here, and the client's ``http_get``, which replays recorded answers);
- ``arxiv``, ``crossref``: reading each service's answer;
- ``bibtex``: reading pasted BibTeX;
- ``common``: ``PaperMetadata``, the errors, and the helpers they share.
"""

from papers.sources.arxiv import ARXIV_API_URL
from papers.sources.bibtex import parse_bibtex
from papers.sources.client import (
    MAX_RESPONSE_BYTES,
    HttpGet,
    HttpOpen,
    HttpResponse,
    MetadataClient,
    get_client,
    urllib_http_get,
    urllib_http_open,
)
from papers.sources.common import (
    InvalidIdentifier,
    NotFound,
    PaperMetadata,
    ResponseTooLarge,
    SourceError,
)
from papers.sources.crossref import CROSSREF_API_URL

__all__ = [
    "ARXIV_API_URL",
    "CROSSREF_API_URL",
    "MAX_RESPONSE_BYTES",
    "HttpGet",
    "HttpOpen",
    "HttpResponse",
    "InvalidIdentifier",
    "MetadataClient",
    "NotFound",
    "PaperMetadata",
    "ResponseTooLarge",
    "SourceError",
    "get_client",
    "parse_bibtex",
    "urllib_http_get",
    "urllib_http_open",
]
