from django.urls import path

from summaries import views

app_name = "summaries"

urlpatterns = [
    path("writers/", views.writers, name="writers"),
    path("random", views.random_summary, name="random"),
    path("random/", views.random_summary),
    path("about/", views.about, name="about"),
]
