import pytest
from django.core.management import call_command

from accounts.models import User
from comments.models import Comment
from papers.models import Author, Paper, Venue
from summaries.models import Revision, Summary, Vote

pytestmark = pytest.mark.django_db

MODELS = [User, Venue, Author, Paper, Summary, Revision, Vote, Comment]


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_demo_loader_is_idempotent(settings):
    settings.DEBUG = True
    call_command("load_demo")
    first = _counts()
    call_command("load_demo")
    assert _counts() == first
    assert first["Paper"] >= 12
    assert first["Summary"] >= 10


def test_demo_scores_equal_sum_of_votes(settings):
    settings.DEBUG = True
    call_command("load_demo")
    for summary in Summary.objects.all():
        assert summary.score == sum(summary.votes.values_list("value", flat=True))


def test_demo_refuses_to_run_without_debug(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo")
