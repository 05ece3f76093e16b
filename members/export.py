"""“Your data is yours”: one zip with everything a member wrote.

Layout of the archive::

    shortscience-<username>/
        README.txt
        metadata.json            profile, export date, and one record per summary and comment
        summaries/<paper-slug>-<id>.md   one Markdown file per summary, with front matter
        comments.md              every comment, newest first, with the summary it belongs to
        comments.json            the same comments as data

Three queries whatever the number of summaries and comments: the member's summaries (with their papers and
venues), their comments (with the summary and paper they belong to), and nothing per row.
"""

from __future__ import annotations

import io
import json
import zipfile

from django.utils import timezone

from comments.models import Comment
from summaries.models import Summary


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _front_matter(data: dict) -> str:
    # JSON values are valid YAML scalars, so any title or id survives quoting.
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in data.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def summary_record(summary: Summary, base_url: str) -> dict:
    paper = summary.paper
    return {
        "id": summary.pk,
        "file": f"summaries/{paper.slug}-{summary.pk}.md",
        "url": base_url + summary.get_absolute_url(),
        "paper_title": paper.title,
        "paper_url": base_url + paper.get_absolute_url(),
        "paper_arxiv_id": paper.arxiv_id or None,
        "paper_doi": paper.doi or None,
        "paper_venue": str(paper.venue) if paper.venue_id else None,
        "paper_year": paper.year,
        "arxiv_version": summary.arxiv_version,
        "visibility": summary.visibility,
        "anonymous": summary.is_anonymous,
        "audience": summary.audience,
        "state": summary.state,
        "score": summary.score,
        "comment_count": summary.comment_count,
        "created_at": _iso(summary.created_at),
        "updated_at": _iso(summary.updated_at),
        "deleted_at": _iso(summary.deleted_at),
    }


def comment_record(comment: Comment, base_url: str) -> dict:
    return {
        "id": comment.pk,
        "summary_id": comment.summary_id,
        "summary_url": base_url + comment.summary.get_absolute_url(),
        "paper_title": comment.summary.paper.title,
        "reply_to": comment.parent_id,
        "state": comment.state,
        "created_at": _iso(comment.created_at),
        "updated_at": _iso(comment.updated_at),
        "deleted_at": _iso(comment.deleted_at),
        "body": comment.body,
    }


def build_export(user, base_url: str = "") -> bytes:
    """The zip archive of ``user``'s own summaries and comments, as bytes."""
    summaries = list(
        Summary.objects.filter(writer=user).select_related("paper", "paper__venue").order_by("created_at", "id")
    )
    comments = list(Comment.objects.filter(writer=user).select_related("summary__paper").order_by("-created_at", "-id"))
    folder = f"shortscience-{user.username}"
    summary_records = [summary_record(s, base_url) for s in summaries]
    comment_records = [comment_record(c, base_url) for c in comments]
    metadata = {
        "exported_at": timezone.now().isoformat(),
        "member": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "affiliation": user.affiliation,
            "bio": user.bio,
            "website": user.website,
            "orcid": user.orcid,
            "date_joined": _iso(user.date_joined),
        },
        "summaries": summary_records,
        "comments": [{k: v for k, v in record.items() if k != "body"} for record in comment_records],
    }

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            f"{folder}/README.txt",
            f"Everything {user.username} wrote on ShortScience, exported {metadata['exported_at']}.\n\n"
            "summaries/   one Markdown file per summary; the front matter holds the paper and the settings\n"
            "comments.md  every comment, newest first\n"
            "comments.json, metadata.json  the same as data\n",
        )
        archive.writestr(f"{folder}/metadata.json", json.dumps(metadata, ensure_ascii=False, indent=2))
        for summary, record in zip(summaries, summary_records, strict=True):
            front = {k: v for k, v in record.items() if k not in ("file",)}
            archive.writestr(f"{folder}/{record['file']}", _front_matter(front) + summary.body.rstrip() + "\n")
        archive.writestr(f"{folder}/comments.json", json.dumps(comment_records, ensure_ascii=False, indent=2))
        parts = [f"# Comments by {user.username}\n"]
        for record in comment_records:
            parts.append(
                f"\n## On a summary of “{record['paper_title']}” ({record['created_at']})\n\n"
                f"{record['summary_url']}\n\n{record['body'].rstrip()}\n"
            )
        archive.writestr(f"{folder}/comments.md", "".join(parts))
    return buffer.getvalue()
