from django.urls import path

from incidents import review_views, views

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
    path("<int:pk>/post-incident-review/", review_views.review_page, name="review_page"),
    path("<int:pk>/post-incident-review/factors/", review_views.add_factor, name="review_factor"),
    path("<int:pk>/post-incident-review/actions/", review_views.add_action, name="review_action"),
    path("<int:pk>/post-incident-review/file/", review_views.file, name="review_file"),
    path("<int:pk>/post-incident-review/sign-off/", review_views.sign_off, name="review_sign_off"),
    path(
        "<int:pk>/follow-ups/<int:ticket_pk>/close/",
        review_views.close_follow_up,
        name="close_follow_up",
    ),
    path("<int:pk>/client-communications/", views.draft_client_comm, name="draft_comm"),
    path(
        "<int:pk>/client-communications/<int:comm_pk>/approve/",
        views.approve_client_comm,
        name="approve_comm",
    ),
]
