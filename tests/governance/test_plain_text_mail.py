"""Plain-text mail is plain text (issue 12 point 11).

Every D9 mail (§4.2 pages, §5.2 kill-switch notices, §3.3 handoff reminders, …) has a subject
and a text body read in mail clients and Apprise channels that show characters as they are:
`>` must not arrive as `&gt;`. The HTML part of the same mail stays escaped.
"""

import datetime
import email
import email.policy
import re
from pathlib import Path

import pytest
from django.conf import settings

from governance.killswitch import services as killswitch
from governance.models import Notification
from governance.notifications import outbox
from governance.notifications.outbox import render_mail
from tests.helpers.killswitch import scenario, severity
from tests.helpers.smtp_server import SmtpServer

HOSTILE = "Error rate > 20% & <b>\"ok\"</b> 'x'"
ENTITIES = ("&gt;", "&lt;", "&amp;", "&quot;", "&#x27;", "&#39;")
TEMPLATE_ROOTS = [
    Path(settings.BASE_DIR) / app / "templates" / "emails"
    for app in ("governance", "incidents", "rotations")
]
# Names a tag uses that are not context variables.
KEYWORDS = {"if", "elif", "else", "endif", "for", "endfor", "in", "not", "and", "or", "url"}
KEYWORDS |= {"load", "with", "endwith", "as", "empty", "True", "False", "None", "is"}


class Hostile:
    """Any object of a mail's context: every attribute, item, call and text is hostile text,
    except the few values a `{% url %}` or an approval kind needs to resolve."""

    RESOLVABLE = {"pk": 1, "id": 1, "object_id": 1, "activation_id": 1}
    # Not a date: the `date` filter then renders nothing instead of hostile text.
    NOT_A_DATE = set(dir(datetime.datetime))

    def __getattr__(self, name):
        if name.startswith("__") or name in self.NOT_A_DATE:
            raise AttributeError(name)
        if name == "kind":
            return killswitch.KIND_ACTIVATION
        return self.RESOLVABLE.get(name, Hostile())

    def __getitem__(self, key):
        if isinstance(key, str):
            raise KeyError(key)  # templates then look the name up as an attribute
        return Hostile()

    def __iter__(self):
        return iter([Hostile(), Hostile(), Hostile()])

    def __len__(self):
        return 3

    def __call__(self):
        return self

    def __str__(self):
        return HOSTILE


def mail_templates() -> list[str]:
    """Every mail's name, as `render_mail` takes it (`rotations/handoff-open`, …)."""
    names = set()
    for root in TEMPLATE_ROOTS:
        for path in root.rglob("*-subject.txt"):
            names.add(str(path.relative_to(root))[: -len("-subject.txt")])
    return sorted(names)


def hostile_context(name: str) -> dict:
    """Every name a mail's three templates mention, bound to a `Hostile` object."""
    words = set()
    for root in TEMPLATE_ROOTS:
        for part in ("subject.txt", "body.txt", "body.html"):
            path = root / f"{name}-{part}"
            if path.exists():
                for tag in re.findall(r"\{[{%](.*?)[%}]\}", path.read_text(), re.S):
                    tag = re.sub(r"(['\"]).*?\1", "", tag)
                    words |= set(re.findall(r"(?<![.|:\w])([a-z_]\w*)", tag))
    return {word: Hostile() for word in words - KEYWORDS}


def test_every_mail_template_is_found():
    names = mail_templates()
    assert len(names) > 30
    assert {"killswitch-activated", "incident-escalation", "rotations/handoff-open"} <= set(names)


@pytest.mark.django_db
@pytest.mark.parametrize("name", mail_templates())
def test_subject_and_text_body_show_characters_as_they_are(name):
    """Issue 12 point 11: no HTML entity in a subject or a text body, whatever the values;
    the HTML part escapes the same values."""
    subject, text, html = render_mail(name, hostile_context(name))
    for entity in ENTITIES:
        assert entity not in subject, (name, subject)
        assert entity not in text, (name, text)
    assert HOSTILE in text, (name, text)
    assert '<b>"ok"</b>' not in html, (name, html)
    assert "&lt;b&gt;" in html, (name, html)


@pytest.mark.django_db
def test_kill_switch_mail_says_error_rate_greater_than_20_percent(people, workspace, settings):
    """D9 §5.1 "Error rate > 20%": the activation's mail, as a real SMTP server receives it,
    says `>` in its subject and text part, `&gt;` in its HTML part."""
    killswitch.activate_kill_switch(
        actor=people["primary"],
        scenario=scenario("error_rate_20"),
        severity=severity("P1"),
        reason="5xx > 20% & rising <fast>",
        workspace=workspace,
    )
    mails = Notification.objects.filter(template="killswitch-activated", method=None)
    assert mails.exists()
    for mail in mails:
        assert "Error rate > 20%" in mail.subject
        assert "&gt;" not in mail.subject
        assert "Reason: 5xx > 20% & rising <fast>" in mail.body_text
        assert "&" not in mail.body_text.replace("& rising", "")
        assert "5xx &gt; 20% &amp; rising &lt;fast&gt;" in mail.body_html

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = "127.0.0.1", False, False
    with SmtpServer(refuse=False) as smtp:
        settings.EMAIL_PORT = smtp.port
        outbox.deliver_many([mail.pk for mail in mails])
    received = [email.message_from_bytes(raw, policy=email.policy.default) for raw in smtp.messages]
    assert len(received) == mails.count()
    for message in received:
        assert "Kill switch" in message["Subject"] and "Error rate > 20%" in message["Subject"]
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "Reason: 5xx > 20% & rising <fast>" in text and "&gt;" not in text
        assert "5xx &gt; 20% &amp; rising &lt;fast&gt;" in html
