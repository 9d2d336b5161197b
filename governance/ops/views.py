"""Login (throttled by django-axes) and the two-factor pages (django-otp)."""

import base64

import segno
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp import user_has_device

from governance.ops import two_factor


def lockout_message(username: str) -> str:
    minutes = max(settings.LOGIN_COOLOFF_SECONDS // 60, 1)
    return (
        f"Too many failed logins for {username!r} from this address: logins from here are "
        f"refused for {minutes} minutes. Other addresses are not affected, and an administrator "
        "can lift the lock in the admin (Axes → Access attempts)."
    )


class ThrottledLoginMixin:
    """django-axes refuses a username from an address after LOGIN_FAILURE_LIMIT failures; this
    page then says why, with 429, instead of "wrong password"."""

    def form_invalid(self, form):
        if getattr(self.request, "axes_locked_out", False):
            username = self.request.POST.get("username", "")
            form.errors[NON_FIELD_ERRORS] = form.error_class(
                [lockout_message(username)], error_class="nonfield"
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_invalid(form)


def locked_out(request, response, credentials):
    """AXES_LOCKOUT_CALLABLE: keep the login page the view rendered (429, with the message);
    a lock-out met anywhere else gets the message alone."""
    if response is not None and response.status_code == 429:
        return response
    username = (credentials or {}).get("username", "")
    return HttpResponse(lockout_message(username), status=429, content_type="text/plain")


class LoginView(ThrottledLoginMixin, auth_views.LoginView):
    pass


class AdminLoginView(ThrottledLoginMixin, auth_views.LoginView):
    """The admin's login page with the same throttle."""

    authentication_form = AdminAuthenticationForm
    template_name = "admin/login.html"

    def get_context_data(self, **kwargs):
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
        return reverse("admin:index")


WRONG_CODE = (
    "That code does not match. Enter the code your app shows now (or a backup code); after a "
    "wrong code, wait a few seconds: each miss doubles the wait."
)


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("dashboard")


@login_required
def two_factor_enrol(request):
    """Set up an authenticator app: scan the QR code (or type the key), enter one code."""
    if user_has_device(request.user) and not request.user.is_verified():
        # Replacing the app needs the current one first, or a stolen password would be enough.
        return redirect(f"{reverse('two_factor_verify')}?next={reverse('two_factor_enrol')}")
    device = two_factor.pending_app_device(request.user)
    form = TokenForm(request.POST or None)
    if form.is_valid():
        codes = two_factor.confirm_enrolment(
            request=request, device=device, token=form.cleaned_data["token"]
        )
        if codes is not None:
            return render(
                request,
                "registration/two_factor_codes.html",
                {"codes": codes, "next": next_url(request)},
            )
        form.add_error("token", WRONG_CODE)
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "registration/two_factor_enrol.html",
        {
            "form": form,
            "qr_svg": mark_safe(qr.svg_inline(scale=5, border=2)),  # generated, no user input
            "secret": base64.b32encode(device.bin_key).decode(),
            "next": next_url(request),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def two_factor_verify(request):
    """The second step of logging in: a code from the app, or one unused backup code."""
    if not user_has_device(request.user):
        return redirect(f"{reverse('two_factor_enrol')}?next={next_url(request)}")
    form = TokenForm(request.POST or None)
    if form.is_valid():
        if two_factor.verify_second_factor(request=request, token=form.cleaned_data["token"]):
            return redirect(next_url(request))
        form.add_error("token", WRONG_CODE)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": next_url(request)},
        status=status,
    )
