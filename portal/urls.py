from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.StartView.as_view(), name="start"),
    path("case/", views.CaseView.as_view(), name="case"),
    path("done/", views.DoneView.as_view(), name="done"),
    path("signout/", views.SignOutView.as_view(), name="signout"),
    path("request/", views.RequestView.as_view(), name="request"),
    path("request/sent/", views.RequestSentView.as_view(), name="request_sent"),
]
