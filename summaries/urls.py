from django.urls import path

from summaries import views

app_name = "summaries"

urlpatterns = [
    path("summary/<int:pk>/", views.summary_detail, name="detail"),
    path("writers/", views.writers, name="writers"),
    path("random", views.random_summary, name="random"),
    path("random/", views.random_summary),
    path("about/", views.about, name="about"),
]
