"""Plain words for people: audit events as sentences, platform errors as advice."""

from __future__ import annotations

RESULT_SUFFIXES = ("_done", "_failed")

EVENTS = {
    "auto_hide": "Hid the comment automatically",
    "escalated": "Alerted the school's DSL by email",
    "hide": "Hid the comment",
    "unhide": "Made the comment visible again",
    "reply": "Sent a public reply",
    "private_reply": "Sent a private reply",
    "block": "Blocked the author",
    "relabel": "Relabelled the comment",
    "escalate": "Escalated to the DSL",
    "dismiss": "Dismissed the item",
    "handled": "Marked the item handled",
    "reopen": "Reopened the item",
    "claim": "Took the item",
    "note": "Added a note",
    "assign": "Assigned the item",
}
"""What a person (or Hallmonitor) asked for, as the audit log shows it."""

RESULTS = {
    "hide": "the comment was hidden",
    "unhide": "the comment was made visible",
    "reply": "the public reply was sent",
    "private_reply": "the private reply was sent",
    "block": "the author was blocked",
    "alert": "the DSL alert was sent",
}
"""The platform's (or the mail server's) answer, for a result row with no request beside it."""

FAILURES = {
    "hide": "Could not hide the comment",
    "unhide": "Could not make the comment visible",
    "reply": "Could not send the public reply",
    "private_reply": "Could not send the private reply",
    "block": "Could not block the author",
    "alert": "Could not send the DSL alert",
}

REQUESTS_OF = {
    "hide": ("auto_hide", "hide"),
    "unhide": ("unhide",),
    "reply": ("reply",),
    "private_reply": ("private_reply",),
    "block": ("block",),
    "alert": ("escalated", "escalate", "relabel"),
}
"""Which request rows a result row completes, so a request and its result are one event."""

ADVICE = {
    "AuthError": "The platform refused the account's access token. Make a new token (see "
    "Accounts for what to do); nothing is lost meanwhile.",
    "PermissionMissing": "The account's token lacks a permission this needs. Reconnect the "
    "account with the permissions listed in the README (Connecting real accounts).",
    "RateLimited": "The platform asked Hallmonitor to slow down. It tries again by itself.",
    "NotFound": "The comment is no longer on the platform: its author or the page removed it.",
    "Unsupported": "The platform does not allow this for this account.",
    "AlreadyDone": "It had been done on the platform already.",
    "TransientError": "The platform did not answer properly. Hallmonitor tries again by itself.",
    "SMTP": "The mail server did not take the email. Check the email settings, then escalate "
    "again.",
}


def result_kind(action: str) -> tuple[str, bool] | None:
    """``("hide", True)`` for ``hide_done``; ``None`` for a request row."""
    for suffix in RESULT_SUFFIXES:
        if action.endswith(suffix):
            return action.removesuffix(suffix), suffix == "_done"
    return None


def event_name(action: str) -> str:
    """A plain name for an audit code: for the log and its filter."""
    if action in EVENTS:
        return EVENTS[action]
    result = result_kind(action)
    if result is not None:
        kind, done = result
        if not done:
            return FAILURES.get(kind, f"Could not do it ({kind.replace('_', ' ')})")
        what = RESULTS.get(kind, f"{kind.replace('_', ' ')} done")
        return what[0].upper() + what[1:]
    return action.replace("_", " ").capitalize()


def plain_detail(action: str, detail: str) -> str:
    """The detail worth reading; internal references (``action #12``) are dropped."""
    if not detail or detail.startswith("action #") or detail in ("done",):
        return ""
    if detail == "bulk":
        return "with others, in one go"
    if action == "relabel" and " -> " in detail:
        old, new = detail.split(" -> ", 1)
        return f"from {old.replace('_', ' ')} to {new.replace('_', ' ')}"
    if action == "auto_hide":
        return detail.split(":", 1)[0].replace("_", " ")
    if action == "escalated":
        return "safeguarding"
    return detail


def advice(error: str | None) -> str | None:
    """What a failed action's error means and what to do; ``None`` when there is no error."""
    if not error:
        return None
    text = error.removeprefix("failed: ")
    name = text.split(":", 1)[0].strip()
    for key, words in ADVICE.items():
        if name.startswith(key):
            return words
    return "Something unexpected went wrong. Hallmonitor's log has the details."
