from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError

from governance.ops import login_throttle


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


class ThrottledLoginMixin:
    """After LOGIN_FAILURE_LIMIT failures for a username from one address, refuse logins for
    LOGIN_COOLOFF_SECONDS with a message that says when to try again."""

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if login_throttle.is_locked(username, _address(request)):
            form = self.get_form()
            minutes = max(settings.LOGIN_COOLOFF_SECONDS // 60, 1)
            form.add_error(
                None,
                ValidationError(
                    f"Too many failed logins for {username!r}. Wait {minutes} minutes, "
                    "then try again.",
                    code="throttled",
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        login_throttle.record_failure(self.request.POST.get("username", ""), _address(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):
        login_throttle.clear(form.get_user().get_username(), _address(self.request))
        return super().form_valid(form)


class LoginView(ThrottledLoginMixin, auth_views.LoginView):
    pass


class AdminLoginView(ThrottledLoginMixin, auth_views.LoginView):
    """The admin's login page with the same throttle."""

    authentication_form = AdminAuthenticationForm
    template_name = "admin/login.html"

    def get_context_data(self, **kwargs):
        from django.contrib import admin

        context = super().get_context_data(**kwargs)
        context.update(admin.site.each_context(self.request))
        context.update(
            title="Log in",
            subtitle=None,
            app_path=self.request.get_full_path(),
            username=self.request.user.get_username(),
        )
        return context

    def get_default_redirect_url(self):
        from django.urls import reverse

        return reverse("admin:index")
