"""Writing a summary: the editor, its markdownx endpoints, votes, deletion, revisions and share links."""

from django.urls import path

from summaries import views_writing as views

app_name = "writing"

urlpatterns = [
    path("paper/<str:slug>/write/", views.write, name="write"),
    path("summary/<int:pk>/edit/", views.edit, name="edit"),
    path("summary/<int:pk>/vote/", views.vote, name="vote"),
    path("summary/<int:pk>/delete/", views.delete, name="delete"),
    path("summary/<int:pk>/revisions/", views.revisions, name="revisions"),
    path("summary/<int:pk>/revisions/<int:number>/", views.revision, name="revision"),
    path("summary/<int:pk>/share/", views.share, name="share"),
    path("s/<str:token>/", views.shared, name="shared"),
    # django-markdownx's widget posts here (MARKDOWNX_URLS_PATH / MARKDOWNX_UPLOAD_URLS_PATH);
    # markdownx.urls is never included, so its unguarded views are unreachable.
    path("markdownx/markdownify/", views.preview, name="preview"),
    path("markdownx/upload/", views.upload, name="upload"),
]
