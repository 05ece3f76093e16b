from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("users/<str:username>/", views.profile, name="profile"),
    # The old site's profile address.
    path("user", views.legacy_profile, name="legacy_profile"),
]
