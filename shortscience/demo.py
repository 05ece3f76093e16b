"""Loads the demo content (shortscience/demo_data.py). Idempotent: running it again creates no duplicates."""

from __future__ import annotations

import datetime

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import CURATORS_GROUP, MODERATORS_GROUP, User
from comments.models import Comment
from digest import curation
from digest.models import Digest
from papers.models import Category, Paper, PaperAuthor, PaperCategory, Venue
from shortscience import demo_data
from summaries.models import Revision, Summary, Vote

DEMO_PASSWORD = "demo-password-2026"
MODERATOR = ("moderator", "moderate-demo-2026")
OWNER = ("admin", "admin-demo-2026")
CURATOR = demo_data.CURATOR


def _user(username: str, **fields) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.org", **fields})
    # Demo accounts can sign in at once (new members confirm their address first).
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


@transaction.atomic
def load_demo() -> dict:
    venues = {}
    for name, acronym, kind, dblp_key in demo_data.VENUES:
        venue, _ = Venue.objects.get_or_create(
            dblp_key=dblp_key, defaults={"name": name, "acronym": acronym, "kind": kind}
        )
        venues[acronym] = venue

    users = {}
    for username, display_name, affiliation, bio in demo_data.USERS:
        user = _user(username, display_name=display_name, affiliation=affiliation, bio=bio)
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        users[username] = user

    moderator = _user(MODERATOR[0], display_name="Demo Moderator", is_staff=True)
    moderator.set_password(MODERATOR[1])
    moderator.is_staff = True
    moderator.save(update_fields=["password", "is_staff"])
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])

    owner = _user(OWNER[0], display_name="Site Owner", is_staff=True, is_superuser=True)
    owner.set_password(OWNER[1])
    owner.save(update_fields=["password"])

    papers = {}
    for data in demo_data.PAPERS:
        data = dict(data)
        authors, keywords = data.pop("authors"), data.pop("keywords")
        data["venue"] = venues[data["venue"]]
        paper = Paper.objects.find_existing(
            arxiv_id=data.get("arxiv_id", ""), doi=data.get("doi", ""), title=data["title"]
        )
        if paper is None:
            paper = Paper.objects.create(
                source=Paper.Source.ARXIV if data.get("arxiv_id") else Paper.Source.MANUAL,
                added_by=users["alice"],
                **data,
            )
            paper.set_authors(authors)
            paper.keywords.set(keywords)
            paper.refresh_search_vector()
        papers[paper.title] = paper

    summaries = {}
    for title, entries in demo_data.SUMMARIES.items():
        for writer, options, body in entries:
            summary = Summary.objects.filter(paper=papers[title], writer=users[writer]).first()
            if summary is None:
                summary = Summary.objects.create(
                    paper=papers[title], writer=users[writer], body=body.strip(), **options
                )
                Revision.objects.create(summary=summary, number=1, body=summary.body, editor=users[writer])
            summaries[(title, writer)] = summary

    for voter, title, writer, value in demo_data.VOTES:
        summary = summaries[(title, writer)]
        if not Vote.objects.filter(user=users[voter], summary=summary).exists():
            Vote.cast(user=users[voter], summary_id=summary.pk, value=value)

    created_comments = {}
    for commenter, title, writer, body, reply_to in demo_data.COMMENTS:
        summary = summaries[(title, writer)]
        parent = created_comments.get(reply_to) if reply_to else None
        comment = Comment.objects.filter(summary=summary, writer=users[commenter], body=body).first()
        if comment is None:
            comment = Comment.objects.create(summary=summary, writer=users[commenter], body=body, parent=parent)
        created_comments[(commenter, body)] = comment

    curator = _user(CURATOR[0], display_name="Demo Curator")
    curator.set_password(CURATOR[1])
    curator.save(update_fields=["password"])
    curator.groups.add(Group.objects.get_or_create(name=CURATORS_GROUP)[0])
    _load_digest(papers, curator)

    return {"papers": len(papers), "summaries": len(summaries), "users": len(users) + 3}


def _load_digest(papers: dict[str, Paper], curator: User) -> Digest:
    """The demo papers' arXiv categories, affiliations and announcement day, and the published digest of that day."""
    day = datetime.date(*demo_data.DIGEST_DAY)
    for code, name, name_zh, archive, group in demo_data.CATEGORIES:
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "name_zh": name_zh, "archive": archive, "group": group}
        )
    for title, (codes, affiliations) in demo_data.ARXIV_METADATA.items():
        paper = papers[title]
        Paper.objects.filter(pk=paper.pk).update(announced_on=day, primary_category_id=codes[0])
        for position, code in enumerate(codes):
            PaperCategory.objects.update_or_create(
                paper=paper, category_id=code, defaults={"position": position, "announced_on": day}
            )
        for authorship in PaperAuthor.objects.filter(paper=paper).select_related("author"):
            if authorship.author.name in affiliations:
                authorship.affiliations = affiliations[authorship.author.name]
                authorship.save(update_fields=["affiliations"])

    digest = curation.digest_for(day, curator)
    if not digest.entries.exists():
        digest.title = demo_data.DIGEST["title"]
        digest.intro = demo_data.DIGEST["intro"]
        digest.save(update_fields=["title", "intro"])
        for title, section, starred, language, note in demo_data.DIGEST["entries"]:
            paper = Paper.objects.get(pk=papers[title].pk)
            _, entry = curation.decide(digest, paper, "star" if starred else "add", curator, category=section)
            entry.set_note(note, language)
        for title in demo_data.DIGEST["skipped"]:
            curation.decide(digest, papers[title], "skip", curator)
    if digest.state != Digest.State.PUBLISHED:  # published by an earlier run otherwise
        digest.publish(curator)
    return digest
