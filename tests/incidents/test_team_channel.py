"""D9 §7.1 / §5.2: incident messages and kill-switch log entries are posted to the ingestion
team's channels (`#ingestion-rollout`), here a real HTTP receiver on loopback."""

from governance.killswitch import services as killswitch
from governance.models import KillSwitchScenario, Notification, Severity
from governance.notifications import outbox


def test_an_incident_start_message_is_posted_to_the_team_channel_once(crew, declare, team_hook):
    incident = declare("P1", title="Uploads failing")

    outbox.deliver_due()
    outbox.deliver_due()

    posted = [r for r in team_hook.received if f"#{incident.pk}" in r["body"]["title"]]
    assert len(posted) == 1
    assert "Uploads failing" in posted[0]["body"]["message"]
    row = Notification.objects.get(method__name="rollout-hook", template="incident-message")
    assert posted[0]["headers"]["X-Message-ID"] == row.message_id


def test_a_kill_switch_log_entry_is_posted_to_the_team_channel(crew, team_hook):
    activation = killswitch.activate_kill_switch(
        actor=crew["primary"],
        scenario=KillSwitchScenario.objects.get(key="error_rate_20"),
        severity=Severity.objects.get(key="P2"),
        reason="errors above 20%",
        workspace=None,
    )

    outbox.deliver_due()

    [entry_post] = [r for r in team_hook.received if "Kill switch" in r["body"]["title"]]
    assert "errors above 20%" in entry_post["body"]["message"]
    assert f"entry #{activation.log_entries.get().pk}" in entry_post["body"]["message"]
