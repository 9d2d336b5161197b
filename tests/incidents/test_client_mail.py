"""Client mail of D9 §7.2 (issue 21): subscribers per workspace, double opt-in, signed
unsubscribe links with List-Unsubscribe headers, delivery through the outbox with
per-subscriber state, and "sent" set by the delivery."""

import datetime
import email
import email.policy

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from governance.models import Notification
from governance.notifications import outbox
from incidents.models import ClientCommunication, ClientMailDelivery, StatusSubscriber
from incidents.status import links
from incidents.status import services as status_services
from incidents.status.mail import mark_delivered
from tests.helpers.ports import free_port
from tests.incidents.status_helpers import draft, publish, rule, subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def account_manager(make_user):
    from tests.conftest import assign

    user = make_user("am", first_name="Alex", last_name="Manager")
    assign("account_manager", user)
    return user


def test_support_and_the_account_manager_add_subscribers(crew, acme, account_manager):
    added = status_services.add_subscriber(
        actor=crew["support"], email=" Ops@Client.example ", workspace=acme
    )
    assert added.email == "ops@client.example" and added.is_active
    other = status_services.add_subscriber(
        actor=account_manager, email="cto@x.example", workspace=None
    )
    assert other.is_active and other.workspace is None


def test_nobody_else_adds_subscribers(crew, acme, outsider):
    for person in (outsider, crew["primary"], crew["pm"]):
        with pytest.raises(PermissionDenied, match="Support Lead or the Account Manager"):
            status_services.add_subscriber(actor=person, email="a@b.example", workspace=acme)
    assert not StatusSubscriber.objects.exists()


def test_a_bad_address_is_refused_naming_the_field(crew, acme):
    with pytest.raises(ValidationError) as refused:
        status_services.add_subscriber(
            actor=crew["support"], email="not-an-address", workspace=acme
        )
    assert refused.value.message_dict == {"email": ["Enter a valid email address."]}
    assert not StatusSubscriber.objects.exists()


def test_subscribing_on_the_page_waits_for_the_signed_confirmation(acme):
    public = Client()
    response = public.post("/status/acme/subscribe/", {"email": "dev@client.example"})
    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    pending = StatusSubscriber.objects.get()
    assert pending.workspace == acme and not pending.is_active

    confirmation = Notification.objects.get(template="status-confirm")
    assert confirmation.address == "dev@client.example"
    link = links.confirm_url(pending).removeprefix(links.status_url(""))
    assert link in confirmation.body_text

    shown = public.get(link)  # a mail scanner following the link confirms nothing
    assert shown.status_code == 200 and '<form method="post"' in shown.content.decode()
    pending.refresh_from_db()
    assert not pending.is_active

    assert public.post(link).status_code == 200
    pending.refresh_from_db()
    assert pending.is_active


def test_a_bad_address_on_the_page_is_shown_next_to_the_field(acme):
    response = Client().post("/status/acme/subscribe/", {"email": "nope"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not StatusSubscriber.objects.exists()


def test_an_expired_confirmation_link_is_refused(acme, clock):
    Client().post("/status/subscribe/", {"email": "late@client.example"})
    pending = StatusSubscriber.objects.get()
    link = links.confirm_url(pending).removeprefix(links.status_url(""))
    clock.shift(datetime.timedelta(days=8))
    response = Client().post(link)
    assert response.status_code == 400 and "expired" in response.content.decode()
    pending.refresh_from_db()
    assert not pending.is_active


def test_forged_links_are_refused_and_change_nothing(acme):
    active = subscriber("ops@client.example", acme)
    pending = subscriber("new@client.example", acme, active=False)
    forged_unsubscribe = links.unsubscribe_token(active)[:-2] + "xx"
    # A confirmation token is no unsubscribe token, and vice versa (different salts).
    wrong_kind = links.confirm_token(active)
    for path in (
        f"/status/unsubscribe/{forged_unsubscribe}/",
        f"/status/unsubscribe/{wrong_kind}/",
        f"/status/confirm/{links.unsubscribe_token(pending)}/",
        "/status/confirm/garbage/",
    ):
        response = Client().post(path)
        assert response.status_code == 400, path
        assert "This link does not work" in response.content.decode()
    active.refresh_from_db()
    pending.refresh_from_db()
    assert active.is_active and not pending.is_active


def test_publication_mails_the_workspace_and_the_global_subscribers_once_each(
    crew, client_incident, beta
):
    acme = client_incident.workspace
    ops = subscriber("ops@acme.example", acme)
    everyone = subscriber("noc@partner.example", None)
    subscriber("ops@beta.example", beta)  # another workspace
    subscriber("left@acme.example", acme, active=False)  # never confirmed

    communication = publish(client_incident, crew)

    deliveries = ClientMailDelivery.objects.filter(communication=communication)
    assert {d.subscriber for d in deliveries} == {ops, everyone}
    rows = Notification.objects.filter(template="client-communication").order_by("address")
    assert [r.address for r in rows] == ["noc@partner.example", "ops@acme.example"]
    assert rows[1].subject == "[Investigating] Delayed uploads"
    assert "Dear client, uploads are delayed" in rows[1].body_text
    assert rows[1].headers["List-Unsubscribe"] == f"<{links.unsubscribe_url(ops)}>"
    assert rows[1].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert communication.status == ClientCommunication.Status.APPROVED  # mail under way

    outbox.deliver_many(client_mail_ids())
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {"ops@acme.example", "noc@partner.example"}
    assert sent["ops@acme.example"].extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )

    assert mark_delivered(now=timezone.now()) == 1
    communication.refresh_from_db()
    assert communication.status == ClientCommunication.Status.SENT and communication.sent_at


def test_an_outage_communication_goes_to_the_status_page_only(crew, client_incident):
    """D9 §7.2 "Outage communication": channel "Status page"."""
    subscriber("ops@acme.example", client_incident.workspace)
    communication = draft(client_incident, crew["support"], rule=rule("outage_communication"))
    for approver in (crew["pm"], crew["owner"]):
        from incidents import services

        services.approve_client_communication(communication=communication, actor=approver)
    communication.refresh_from_db()
    assert communication.status == ClientCommunication.Status.SENT
    assert not Notification.objects.filter(template="client-communication").exists()


def test_the_unsubscribe_link_works_without_login_one_click(crew, client_incident):
    ops = subscriber("ops@acme.example", client_incident.workspace)
    publish(client_incident, crew)
    path = links.unsubscribe_url(ops).removeprefix(links.status_url(""))
    assert path in Notification.objects.get(template="client-communication").body_text

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", without any cookie.
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    ops.refresh_from_db()
    assert ops.unsubscribed_at is not None

    publish(client_incident, crew, public_status="resolved")
    assert Notification.objects.filter(template="client-communication").count() == 1


def client_mail_ids() -> list[int]:
    """The client mail in the outbox (the incident's internal mail is there too)."""
    return list(
        Notification.objects.filter(template="client-communication")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (
                envelope.rcpt_tos,
                email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 OK"


def test_with_the_smtp_server_down_every_subscriber_gets_the_mail_exactly_once_when_it_is_back(
    crew, client_incident, settings
):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    addresses = [f"client{n}@acme.example" for n in range(5)]
    for address in addresses:
        subscriber(address, client_incident.workspace)

    communication = publish(client_incident, crew)  # nothing listens on the port: SMTP down
    now = timezone.now()
    ids = client_mail_ids()
    assert outbox.deliver_many(ids, now=now) == (0, 5)
    assert set(
        Notification.objects.filter(template="client-communication").values_list(
            "status", flat=True
        )
    ) == {Notification.Status.PENDING}
    assert mark_delivered(now=now) == 0
    communication.refresh_from_db()
    assert communication.status == ClientCommunication.Status.APPROVED

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        later = now + datetime.timedelta(minutes=10)
        assert outbox.deliver_many(ids, now=later) == (5, 0)
        # A second worker, a retry or a replay of the same ids sends nothing again.
        assert outbox.deliver_many(ids, now=later + datetime.timedelta(hours=1)) == (0, 5)
        assert set(outbox.due_notification_ids(now=later)).isdisjoint(ids)
    finally:
        controller.stop()

    received = sorted(rcpt for rcpts, _ in inbox.messages for rcpt in rcpts)
    assert received == sorted(addresses)  # everyone, exactly once
    headers = inbox.messages[0][1]
    assert headers["List-Unsubscribe"].strip().startswith("<http")  # folded by Django
    assert headers["Subject"] == "[Investigating] Delayed uploads"

    assert mark_delivered(now=later) == 1
    communication.refresh_from_db()
    assert communication.status == ClientCommunication.Status.SENT
    assert mark_delivered(now=later) == 0


def staff(user, *codenames):
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def test_support_adds_a_subscriber_in_the_admin(crew, acme):
    client = staff(crew["support"], "add_statussubscriber", "view_statussubscriber")
    response = client.post(
        "/admin/incidents/statussubscriber/add/",
        {"email": "Ops@Acme.example", "workspace": acme.pk},
    )
    assert response.status_code == 302
    added = StatusSubscriber.objects.get()
    assert added.email == "ops@acme.example" and added.is_active
    assert added.added_by == crew["support"]


def test_staff_without_the_role_may_not_add_subscribers_in_the_admin(crew, acme):
    client = staff(crew["primary"], "add_statussubscriber", "view_statussubscriber")
    response = client.post(
        "/admin/incidents/statussubscriber/add/", {"email": "x@acme.example", "workspace": acme.pk}
    )
    assert response.status_code == 403
    assert not StatusSubscriber.objects.exists()
