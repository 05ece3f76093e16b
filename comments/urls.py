from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("summary/<int:pk>/comments/", views.add, name="add"),
    path("comments/<int:pk>/", views.permalink, name="permalink"),
    path("comments/<int:pk>/replies/", views.replies, name="replies"),
    path("comments/<int:pk>/edit/", views.edit, name="edit"),
    path("comments/<int:pk>/delete/", views.delete, name="delete"),
]
