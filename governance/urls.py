from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from governance.views import dashboard

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("rotations/", include("rotations.urls")),
    path("incidents/", include("incidents.urls")),
]
