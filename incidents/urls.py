from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("declare/", views.declare, name="declare"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("ack/<str:token>/", views.acknowledge_link, name="acknowledge_link"),
    path("<int:pk>/update/", views.post_update, name="update"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/severity/", views.change_severity, name="severity"),
    path("<int:pk>/escalate/", views.escalate, name="escalate"),
    path("<int:pk>/client-facing/", views.mark_client_facing, name="client_facing"),
    path("<int:pk>/review/", views.file_review, name="review"),
    path("<int:pk>/client-communications/", views.draft_client_comm, name="draft_comm"),
    path(
        "<int:pk>/client-communications/<int:comm_pk>/approve/",
        views.approve_client_comm,
        name="approve_comm",
    ),
]
