"""Data for the curation tests: categories, a day of announced papers (any size, bulk-inserted), curators."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import Group

from accounts.models import CURATORS_GROUP
from papers.models import Author, Category, Paper, PaperAuthor, PaperCategory, normalize_title
from tests.factories import UserFactory

DAY = date(2026, 12, 3)
CATEGORIES = {
    "cs.LG": ("Machine Learning", "机器学习"),
    "cs.CV": ("Computer Vision and Pattern Recognition", "计算机视觉"),
    "cs.CL": ("Computation and Language", "计算与语言"),
}


def categories() -> dict[str, Category]:
    return {
        code: Category.objects.get_or_create(
            code=code, defaults={"name": name, "name_zh": zh, "archive": "cs", "group": "Computer Science"}
        )[0]
        for code, (name, zh) in CATEGORIES.items()
    }


def curator(username: str = "curator", **fields):
    user = UserFactory(username=username, **fields)
    user.groups.add(Group.objects.get_or_create(name=CURATORS_GROUP)[0])  # flushed by transactional tests
    return user


def make_day(count: int, day: date = DAY, *, codes=("cs.LG", "cs.CV", "cs.CL"), prefix: str = "") -> list[Paper]:
    """``count`` papers announced on ``day``, round-robin over ``codes`` as primary category, every third
    cross-listed to the next code; three authors each with affiliations. A few bulk inserts whatever ``count``."""
    categories()
    tag = prefix or day.isoformat()
    papers = Paper.objects.bulk_create(
        [
            Paper(
                title=f"Paper {i} of {tag}: learning sparse representations",
                title_key=normalize_title(f"Paper {i} of {tag}: learning sparse representations"),
                slug=f"paper-{tag}-{i}",
                abstract=f"We study problem {i} with a new method.",
                year=day.year,
                announced_on=day,
                primary_category_id=codes[i % len(codes)],
                source=Paper.Source.ARXIV,
            )
            for i in range(count)
        ]
    )
    authors = Author.objects.bulk_create(
        [Author(name=f"Author {tag} {i}-{k}", slug=f"author-{tag}-{i}-{k}") for i in range(count) for k in range(3)]
    )
    PaperAuthor.objects.bulk_create(
        [
            PaperAuthor(
                paper=paper,
                author=authors[i * 3 + k],
                position=k,
                affiliations=[["Stanford University", "Element AI", "University of Toronto"][k]],
            )
            for i, paper in enumerate(papers)
            for k in range(3)
        ]
    )
    links = []
    for i, paper in enumerate(papers):
        links.append(PaperCategory(paper=paper, category_id=codes[i % len(codes)], position=0, announced_on=day))
        if i % 3 == 0 and len(codes) > 1:
            links.append(
                PaperCategory(paper=paper, category_id=codes[(i + 1) % len(codes)], position=1, announced_on=day)
            )
    PaperCategory.objects.bulk_create(links)
    return papers
