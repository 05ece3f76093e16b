from django.urls import path

from accounts import views_member

app_name = "member"

urlpatterns = [
    path("settings/", views_member.settings_view, name="settings"),
    path("settings/export/", views_member.export, name="export"),
    path("settings/delete/", views_member.delete, name="delete"),
]
