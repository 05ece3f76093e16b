"""Digests for the reading-side tests: categories with their Chinese names, papers with affiliations, published
digests (published by setting the state, as ``Digest.publish`` does)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from digest.models import Digest, DigestEntry, Subscription
from papers.models import Category, PaperAuthor
from tests.factories import PaperFactory

DAY = datetime.date(2026, 12, 6)
LOSS_NOTE = "深度学习与核学习:损失景观几何与神经切内切核时间演化的实证研究。"


def category(code: str = "cs.LG", name: str = "Machine Learning", name_zh: str = "机器学习") -> Category:
    archive = code.split(".")[0]
    return Category.objects.get_or_create(
        code=code, defaults={"name": name, "name_zh": name_zh, "archive": archive, "group": "Computer Science"}
    )[0]


def paper_with_affiliations(title: str, authors: list[tuple[str, list[str]]], **kwargs):
    """A paper whose authors carry per-paper affiliations, in order."""
    paper = PaperFactory(title=title, author_names=[name for name, _ in authors], **kwargs)
    for position, (_, affiliations) in enumerate(authors):
        PaperAuthor.objects.filter(paper=paper, position=position).update(affiliations=affiliations)
    return paper


def digest(day: datetime.date = DAY, *, published: bool = True, **kwargs) -> Digest:
    fields = {"state": Digest.State.PUBLISHED, "published_at": timezone.now()} if published else {}
    return Digest.objects.create(date=day, **fields, **kwargs)


def entry(digest: Digest, paper=None, category_=None, *, position: int, **kwargs) -> DigestEntry:
    entry = DigestEntry.objects.create(
        digest=digest,
        paper=paper or PaperFactory(),
        category=category_ or category(),
        position=position,
        **kwargs,
    )
    Digest.objects.filter(pk=digest.pk).update(entry_count=digest.entries.count())
    return entry


def subscriber(email: str, *, categories=(), starred_only: bool = False, active: bool = True) -> Subscription:
    subscription = Subscription.objects.create(
        email=email, starred_only=starred_only, confirmed_at=timezone.now() if active else None
    )
    if categories:
        subscription.categories.set(categories)
    return subscription
