from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from governance.views import api, auth, authority, dashboard, killswitch, policy
from governance.views import compliance as compliance_views
from governance.views import duties as duty_views
from governance.views import rollout as rollout_views
from incidents.api import incidents_api
from rotations.views import api_oncall

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("policy/", policy.policy, name="policy"),
    path("policy/D9.md", policy.policy_markdown, name="policy_markdown"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/login/", auth.AdminLoginView.as_view(), name="admin_login"),
    path("kill-switch/", include((killswitch.urlpatterns, "killswitch"))),
    path("authority/", authority.who_may, name="who_may"),
    path("duties/", include((duty_views.duty_urls, "duties"))),
    path("launch/", include((duty_views.launch_urls, "launch"))),
    path("compliance/", include((compliance_views.urlpatterns, "compliance"))),
    path("rollout/", include((rollout_views.urlpatterns, "rollout"))),
    path("api/kill-switch/", api.kill_switch_status, name="api_kill_switch"),
    path("api/plain/", api.plain_json, name="api_plain"),
    path("admin/", admin.site.urls),
    path("api/oncall/", api_oncall, name="api_oncall"),
    path("rotations/", include("rotations.urls")),
    path("incidents/", include("incidents.urls")),
    path("api/incidents/", incidents_api, name="api_incidents"),
]
