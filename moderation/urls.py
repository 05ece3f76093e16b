from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("report/<str:kind>/<int:pk>/", views.report, name="report"),
    path("report/shared/<str:token>/", views.report_shared, name="report_shared"),
]
