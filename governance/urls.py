from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from governance.views import auth, dashboard, policy

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("policy/", policy.policy, name="policy"),
    path("policy/D9.md", policy.policy_markdown, name="policy_markdown"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/login/", auth.AdminLoginView.as_view(), name="admin_login"),
    path("admin/", admin.site.urls),
    path("rotations/", include("rotations.urls")),
    path("incidents/", include("incidents.urls")),
]
