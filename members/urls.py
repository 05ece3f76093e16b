from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("users/<str:username>/", views.profile, name="profile"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/export/", views.export, name="export"),
    path("settings/delete/", views.delete, name="delete"),
]
