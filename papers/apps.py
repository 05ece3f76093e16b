from django.apps import AppConfig
from django.db.models.signals import pre_save
from django.urls import register_converter


class PapersConfig(AppConfig):
    name = "papers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from taggit.models import Tag

        from papers.keywords import KeywordSlugConverter, fix_empty_keyword_slug
        from papers.taxonomy import CategoryCodeConverter

        register_converter(KeywordSlugConverter, "keyword")
        register_converter(CategoryCodeConverter, "category")
        pre_save.connect(fix_empty_keyword_slug, sender=Tag, dispatch_uid="papers.keywords.fix_empty_keyword_slug")
