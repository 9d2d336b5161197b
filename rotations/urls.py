from django.urls import path

from rotations import views

app_name = "rotations"

urlpatterns = [
    path("", views.rotation_list, name="list"),
    path("mine/", views.my_shifts, name="my_shifts"),
    path("mine/calendar/", views.person_calendar, name="person_calendar"),
    path("readiness/", views.readiness, name="readiness"),
    path("swaps/", views.swap_inbox, name="swaps"),
    path("swaps/<int:pk>/", views.swap_detail, name="swap_detail"),
    path("handoffs/<int:pk>/", views.handoff_detail, name="handoff"),
    path("calendar/me/", views.my_calendar_settings, name="my_calendar"),
    path("ical/person/<str:token>.ics", views.person_ical, name="person_ical"),
    path("ical/<str:token>.ics", views.rotation_ical, name="rotation_ical"),
    path("<slug:slug>/", views.rotation_calendar, name="calendar"),
    path("<slug:slug>/swap/", views.swap_new, name="swap_new"),
    path("<slug:slug>/take/", views.take_shift, name="take_shift"),
    path("<slug:slug>/handoff/", views.current_handoff, name="current_handoff"),
]
