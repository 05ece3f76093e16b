"""Loads the demo content (shortscience/demo_data.py). Idempotent: running it again creates no duplicates."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import MODERATORS_GROUP, User
from comments.models import Comment
from papers.models import Paper, Venue
from shortscience import demo_data
from summaries.models import Revision, Summary, Vote

DEMO_PASSWORD = "demo-password-2026"
MODERATOR = ("moderator", "moderate-demo-2026")
OWNER = ("admin", "admin-demo-2026")


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

    return {"papers": len(papers), "summaries": len(summaries), "users": len(users) + 2}
