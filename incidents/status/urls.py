from django.urls import path

from incidents.status import views

app_name = "status"

urlpatterns = [
    path("", views.status_page, name="page"),
    path("feed.atom", views.feed, name="feed"),
    path("api/v2/summary.json", views.summary, name="summary"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<slug:slug>/", views.status_page, name="workspace"),
    path("<slug:slug>/feed.atom", views.feed, name="workspace_feed"),
    path("<slug:slug>/subscribe/", views.subscribe, name="workspace_subscribe"),
]
