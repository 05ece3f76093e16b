from django.urls import path

from papers import views_add

app_name = "importer"

urlpatterns = [
    path("papers/add/", views_add.add, name="add"),
    path("papers/add/confirm/", views_add.confirm, name="confirm"),
    path("papers/add/manual/", views_add.manual, name="manual"),
]
