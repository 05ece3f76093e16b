"""The HTTP side: the default transport (``urllib_http_get``) and ``MetadataClient``, which looks papers up.

Every network call goes through ``MetadataClient._get`` so that timeouts, HTTP
errors, connection failures and unreadable answers all become a ``SourceError``
whose message can be shown to the reader as is. Views obtain their client from
``get_client()``, the one seam tests patch; the client's ``http_get`` argument is
the second seam, used by tests to replay recorded responses.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import BinaryIO

from django.conf import settings

from papers.sources.arxiv import ARXIV_API_URL, ATOM, arxiv_entry, parse_xml
from papers.sources.common import (
    InvalidIdentifier,
    NotFound,
    PaperMetadata,
    ResponseTooLarge,
    SourceError,
    arxiv_id_from_doi,
    collapse,
    unreadable,
)
from papers.sources.crossref import CROSSREF_API_URL, crossref_work
from shortscience.lib.identifiers import parse_arxiv_id, parse_doi, parse_identifier

logger = logging.getLogger(__name__)

# Neither service sends anything near this for one record; a bigger answer is
# an error page or something hostile, and reading it all would tie up a worker.
MAX_RESPONSE_BYTES = 2 * 1024 * 1024

HttpGet = Callable[[str, Mapping[str, str], Mapping[str, str], float], tuple[int, str]]


def urllib_http_get(url: str, params: Mapping[str, str], headers: Mapping[str, str], timeout: float) -> tuple[int, str]:
    """Default transport: GET with urllib; returns (status, body) for any HTTP status.

    Network failures (timeouts, refused connections, DNS) propagate as OSError.
    """
    if params:
        url = f"{url}?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, headers=dict(headers), method="GET")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        body = response.read(MAX_RESPONSE_BYTES + 1)
        if len(body) > MAX_RESPONSE_BYTES:
            raise ResponseTooLarge(url)
        charset = response.headers.get_content_charset() if response.headers else None
        return response.status, body.decode(charset or "utf-8", errors="replace")


class HttpResponse:
    """An HTTP answer whose body is read as a stream (``body``, a binary file object): what ``urllib_http_open``
    and its test fakes return. Use it as a context manager so the connection is closed."""

    def __init__(self, status: int, headers: Mapping[str, str], body: BinaryIO):
        self.status = status
        self.headers = {name.lower(): value for name, value in headers.items()}
        self.body = body

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def close(self) -> None:
        self.body.close()

    def __enter__(self) -> HttpResponse:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


HttpOpen = Callable[[str, Mapping[str, str], Mapping[str, str], float], HttpResponse]


def urllib_http_open(url: str, params: Mapping[str, str], headers: Mapping[str, str], timeout: float) -> HttpResponse:
    """Streaming transport: GET with urllib and hand back the open answer (any HTTP status), body unread.

    For answers too big to hold as one string (an OAI-PMH page of a thousand records), read by a streaming
    parser. Network failures (timeouts, refused connections, DNS) propagate as OSError.
    """
    if params:
        url = f"{url}?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, headers=dict(headers), method="GET")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    return HttpResponse(response.status, dict(response.headers.items()) if response.headers else {}, response)


class MetadataClient:
    """Looks papers up on arXiv and Crossref: one request per look-up, never retried.

    arXiv asks API users for a descriptive User-Agent and no bursts, so a failed
    request is reported to the reader rather than retried behind their back.
    """

    def __init__(
        self,
        *,
        timeout: float = 8.0,
        user_agent: str = "ShortScience/1.0 (+https://shortscience.org)",
        http_get: HttpGet | None = None,
    ):
        self.timeout = timeout
        self.user_agent = user_agent
        self.http_get = http_get or urllib_http_get

    # -- dispatch

    def fetch(self, identifier: str) -> PaperMetadata:
        """Look up an arXiv id/URL or a DOI/DOI URL typed by a reader."""
        parsed = parse_identifier(identifier)
        if parsed is None:
            shown = collapse(identifier)[:80]
            raise InvalidIdentifier(
                f"“{shown}” is not an arXiv id, arXiv link or DOI. "
                "Try something like 1706.03762, https://arxiv.org/abs/1706.03762 or 10.1145/3065386."
                if shown
                else "Enter an arXiv id, arXiv link or DOI, e.g. 1706.03762 or 10.1145/3065386."
            )
        if parsed.kind == "arxiv":
            return self.fetch_arxiv(f"{parsed.value}v{parsed.version}" if parsed.version else parsed.value)
        if parsed.kind == "doi":
            arxiv_id = arxiv_id_from_doi(parsed.value)
            if arxiv_id:
                # Crossref does not know DataCite DOIs; arXiv is the authority for these.
                return self.fetch_arxiv(arxiv_id)
            return self.fetch_crossref(parsed.value)
        raise InvalidIdentifier(
            "DBLP keys cannot be looked up directly. Open the paper on dblp.org, "
            "export its BibTeX and paste that instead."
        )

    # -- arXiv

    def fetch_arxiv(self, arxiv_id: str) -> PaperMetadata:
        """Metadata for one arXiv paper. A versioned id (``2101.00001v2``) fetches that version."""
        requested = parse_arxiv_id(arxiv_id)
        if requested is None:
            raise InvalidIdentifier(f"“{collapse(arxiv_id)[:80]}” is not an arXiv id, e.g. 1706.03762.")
        status, text = self._get("arXiv", ARXIV_API_URL, {"id_list": str(requested)}, "application/atom+xml")
        # arXiv answers a bad query with HTTP 400 and an Atom feed describing the error.
        if status != 200 and not (status == 400 and "<feed" in text):
            raise self._status_error("arXiv", status)
        root = parse_xml("arXiv", text)
        entries = root.findall(f"{ATOM}entry")
        if not entries:
            raise NotFound(f"arXiv has no paper with the id {requested.id}.")
        meta = arxiv_entry(entries[0])
        if meta is None:  # an error entry, or the blank entry arXiv sends for unknown ids
            raise NotFound(f"arXiv has no paper with the id {requested.id}.")
        if meta.arxiv_id != requested.id or (requested.version and meta.arxiv_version != requested.version):
            logger.warning("arXiv answered %s for %s", meta.arxiv_id, requested)
            raise SourceError("arXiv sent back a different paper than the one asked for — try again later.")
        return meta

    # -- Crossref

    def fetch_crossref(self, doi: str) -> PaperMetadata:
        canonical = parse_doi(doi)
        if canonical is None:
            raise InvalidIdentifier(f"“{collapse(doi)[:80]}” is not a DOI, e.g. 10.1145/3065386.")
        url = CROSSREF_API_URL + urllib.parse.quote(canonical, safe="/:;()")
        status, text = self._get("Crossref", url, {}, "application/json")
        if status == 404:
            raise NotFound(f"Crossref has no record of the DOI {canonical}.")
        if status != 200:
            raise self._status_error("Crossref", status)
        try:
            payload = json.loads(text)
            message = payload["message"]
            if payload.get("status") != "ok" or payload.get("message-type") != "work":
                raise ValueError(payload.get("message-type"))
            return crossref_work(message, canonical)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
            logger.warning("Unreadable Crossref answer for %s: %r", canonical, error)
            raise SourceError(unreadable("Crossref")) from error

    # -- plumbing

    def _get(self, service: str, url: str, params: dict[str, str], accept: str) -> tuple[int, str]:
        headers = {"User-Agent": self.user_agent, "Accept": accept}
        try:
            status, text = self.http_get(url, params, headers, self.timeout)
        except urllib.error.HTTPError as error:  # a transport that raises for HTTP statuses
            return error.code, ""
        except ResponseTooLarge as error:
            logger.warning("%s answer too large: %s", service, error)
            raise SourceError(unreadable(service)) from error
        except TimeoutError as error:
            logger.info("%s timed out: %r", service, error)
            raise SourceError(f"{service} did not answer in time — try again in a minute.") from error
        except urllib.error.URLError as error:
            logger.info("%s unreachable: %r", service, error)
            if isinstance(error.reason, TimeoutError):
                raise SourceError(f"{service} did not answer in time — try again in a minute.") from error
            raise SourceError(f"Could not reach {service} — try again in a minute.") from error
        except (OSError, http.client.HTTPException) as error:
            logger.info("%s connection failed: %r", service, error)
            raise SourceError(f"Could not reach {service} — try again in a minute.") from error
        if len(text) > MAX_RESPONSE_BYTES:
            raise SourceError(unreadable(service))
        return status, text

    @staticmethod
    def _status_error(service: str, status: int) -> SourceError:
        logger.warning("%s answered HTTP %s", service, status)
        if status == 429 or status >= 500:
            return SourceError(f"{service} is busy or having problems right now — try again in a few minutes.")
        return SourceError(f"{service} refused the request (HTTP {status}). Paste the BibTeX instead.")


def get_client() -> MetadataClient:
    """The client views use, with the site's ``METADATA_TIMEOUT_SECONDS``; tests patch this to avoid the network."""
    return MetadataClient(timeout=float(settings.METADATA_TIMEOUT_SECONDS))
