"""factory-boy factories for every model."""

import factory
import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import MODERATORS_GROUP, User
from comments.models import Comment
from papers.models import Author, Paper, Venue
from summaries.models import Summary, Vote


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class ModeratorFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def moderator_group(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Conference on Things {n}")
    acronym = factory.Sequence(lambda n: f"COT{n}")
    kind = Venue.Kind.CONFERENCE


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Faker("name")


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"A Study of Learning Representations, Part {n}")
    abstract = "We study representations learned by deep networks."
    venue = factory.SubFactory(VenueFactory)
    year = 2020

    @factory.post_generation
    def author_names(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.set_authors(extracted)


class SummaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Summary

    paper = factory.SubFactory(PaperFactory)
    writer = factory.SubFactory(UserFactory)
    body = "This paper shows that $x_1 + x_2$ is **interesting**."


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    user = factory.SubFactory(UserFactory)
    summary = factory.SubFactory(SummaryFactory)
    value = 1


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    summary = factory.SubFactory(SummaryFactory)
    writer = factory.SubFactory(UserFactory)
    body = "Thanks, this helped."


# Every state in which readers must never see a summary: parametrise a test with UNLISTED_STATES and build the
# summary with unlisted_summary(state, **factory_fields).
UNLISTED_STATES = [
    pytest.param({"visibility": "private"}, id="private"),
    pytest.param({"state": "hidden"}, id="hidden"),
    pytest.param({"state": "spam"}, id="spam"),
    pytest.param({"state": "pending"}, id="pending"),
    pytest.param({"deleted": True}, id="deleted"),
]


def unlisted_summary(state_fields: dict, **kwargs) -> Summary:
    fields = dict(state_fields)
    if fields.pop("deleted", False):
        fields["deleted_at"] = timezone.now()
    return SummaryFactory(**fields, **kwargs)
