from django.urls import path

from summaries import views, views_writing

app_name = "summaries"

urlpatterns = [
    # Writing a summary: the editor, its markdownx endpoints, votes, deletion, revisions and share links.
    path("paper/<str:slug>/write/", views_writing.write, name="write"),
    path("summary/<int:pk>/edit/", views_writing.edit, name="edit"),
    path("summary/<int:pk>/vote/", views_writing.vote, name="vote"),
    path("summary/<int:pk>/delete/", views_writing.delete, name="delete"),
    path("summary/<int:pk>/revisions/", views_writing.revisions, name="revisions"),
    path("summary/<int:pk>/revisions/<int:number>/", views_writing.revision, name="revision"),
    path("summary/<int:pk>/share/", views_writing.share, name="share"),
    path("s/<str:token>/", views_writing.shared, name="shared"),
    # django-markdownx's widget posts here (MARKDOWNX_URLS_PATH / MARKDOWNX_UPLOAD_URLS_PATH);
    # markdownx.urls is never included, so its unguarded views are unreachable.
    path("markdownx/markdownify/", views_writing.preview, name="preview"),
    path("markdownx/upload/", views_writing.upload, name="upload"),
    path("writers/", views.writers, name="writers"),
    path("random", views.random_summary, name="random"),
    path("random/", views.random_summary),
    path("about/", views.about, name="about"),
]
