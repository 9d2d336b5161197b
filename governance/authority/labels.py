"""The words of each authority-engine action, for pages ("Who may?"): a person reads "Decide an
approval request", never `approval.decide`. `tests/governance/test_who_may_labels.py` keeps
every registered rule worded here."""

from governance.models import DecisionAuthority

ACTION_LABELS = {
    "approval.decide": "Decide an approval request",
    "compliance.read": "Read the compliance report (D9 §2.1 reviews)",
    "duty.check_in": "Check in a Steady State duty (D9 §2.1)",
    "duty.comment": "Comment on a duty (D9 §2.1)",
    "ga.sign": "Sign off GA (D9 §6.2)",
    "incident.acknowledge": "Acknowledge an incident (D9 §2.1, §4.2)",
    "incident.client_comm.approve": "Approve a client communication (D9 §7.2)",
    "incident.client_comm.draft": "Draft a client communication (D9 §7.2)",
    "incident.declare": "Declare an incident (D9 §4.3)",
    "incident.escalate": "Escalate an incident now: page the next tier or a responder (D9 §4.3)",
    "incident.follow_up.close": "Close a follow-up ticket (D9 §2.1 post-incident review)",
    "incident.resolve": "Resolve an incident (D9 §7.1)",
    "incident.review.edit": "Edit a post-incident review (D9 §2.1)",
    "incident.review.file": "File a post-incident review (D9 §2.1)",
    "incident.review.sign_off": "Sign off a post-incident review (D9 §2.1, Owner)",
    "incident.update": "Post an incident update (D9 §7.1)",
    "killswitch.activate": "Activate the kill switch (D9 §5.1)",
    "killswitch.global_disable": "Disable ingestion globally (D9 §2.2)",
    "killswitch.pause_long": "Pause for more than 1 hour (D9 §2.2)",
    "killswitch.pause_short": "Pause for less than 1 hour (D9 §2.2)",
    "killswitch.resume": "Resume ingestion (D9 §5.3)",
    "killswitch.rollback": "Roll back (D9 §6.3)",
    "launch.consult": "Give advice on a launch checklist item (D9 §2.1 C)",
    "launch.do": "Do a launch checklist item (D9 §2.1 R)",
    "launch.start": "Start a launch checklist (D9 §2.1)",
    "phase.advance": "Open a phase gate review (D9 §6.1)",
    "policy.publish": "Publish a new policy version (D9 §9)",
    "rollback.request": "Request a rollback sign-off (D9 §6.3)",
    "rollback.revalidate": "Record the Full P0 revalidation after a rollback (D9 §5.3)",
    "rollout.attest_on_call_trained": "Attest the on-call team is trained (D9 §6.2, SRE Lead)",
    "rotations.handoff.check_item": "Tick a handoff checklist item (D9 §3.3)",
    "rotations.shift.take": "Take an uncovered shift (D9 §3.2)",
    "rotations.swap.approve": "Approve a shift swap (D9 §3.2)",
    "rotations.swap.cancel": "Cancel a shift swap (D9 §3.2)",
    "rotations.swap.request": "Ask for cover or a swap (D9 §3.2)",
    "rotations.swap.respond": "Accept or decline a swap asked of you (D9 §3.2)",
    "status.subscriber.add": "Add a status page subscriber (D9 §7.2)",
}
DECISION_PREFIX = "decision."


def action_labels(actions) -> dict[str, str]:
    """Action key → its words; `decision.<key>` reads its D9 §8 row ("Decide: Schema change")."""
    decisions = dict(DecisionAuthority.objects.values_list("key", "decision"))
    labels = {}
    for action in actions:
        if action in ACTION_LABELS:
            labels[action] = ACTION_LABELS[action]
        elif action.startswith(DECISION_PREFIX) and action[len(DECISION_PREFIX) :] in decisions:
            labels[action] = f"Decide: {decisions[action[len(DECISION_PREFIX) :]]} (D9 §8)"
        else:
            labels[action] = action.replace(".", ": ").replace("_", " ").capitalize()
    return labels
