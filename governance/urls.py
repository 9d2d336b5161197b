"""The portal's URLs: each concern's pages, the APIs and the admin (one of the modules allowed to
import incidents and rotations)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from governance.approvals import views as approvals
from governance.authority import views as authority
from governance.compliance import views as compliance_views
from governance.duties import views as duty_views
from governance.killswitch import api
from governance.killswitch import views as killswitch
from governance.launch import views as launch_views
from governance.notifications import views as notification_views
from governance.ops import views as auth
from governance.policy import views as policy
from governance.portal import views as dashboard
from governance.portal.api import api as portal_api
from governance.portal.metrics import metrics
from governance.rollout import views as rollout_views
from governance.whatif import views as whatif_views
from incidents.alert_api import alertmanager_webhook, events_v2_enqueue
from rotations.views import api_oncall

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("policy/", policy.policy, name="policy"),
    path("policy/D9.md", policy.policy_markdown, name="policy_markdown"),
    path("policy/role-changes/<int:pk>/", policy.role_change, name="role_change"),
    path("policy/drafts/", include((whatif_views.urlpatterns, "whatif"))),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/login/", auth.AdminLoginView.as_view(), name="admin_login"),
    path("login/two-factor/", auth.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/", auth.two_factor_enrol, name="two_factor_enrol"),
    path("account/channels/", notification_views.my_channels, name="my_channels"),
    path("account/time-zone/", notification_views.my_time_zone, name="my_time_zone"),
    path("kill-switch/", include((killswitch.urlpatterns, "killswitch"))),
    path("authority/", authority.who_may, name="who_may"),
    path("duties/", include((duty_views.duty_urls, "duties"))),
    path("launch/", include((launch_views.launch_urls, "launch"))),
    path("approvals/", include((approvals.urlpatterns, "approvals"))),
    path("compliance/", include((compliance_views.urlpatterns, "compliance"))),
    path("rollout/", include((rollout_views.urlpatterns, "rollout"))),
    path(api.PATH, api.kill_switch_status, name="api_kill_switch"),
    path("admin/", admin.site.urls),
    path("api/oncall/", api_oncall, name="api_oncall"),
    path("rotations/", include("rotations.urls")),
    path("incidents/", include("incidents.urls")),
    path("api/", portal_api.urls),
    path("api/alerts/alertmanager/", alertmanager_webhook, name="api_alerts_alertmanager"),
    path("metrics", metrics, name="metrics"),
    path("api/alerts/events/v2/enqueue", events_v2_enqueue, name="api_alerts_events_v2"),
    path("status/", include("incidents.status.urls")),
]
