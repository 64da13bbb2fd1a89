"""What a person does to a queue item: every platform call goes through the outbox, every
step into the audit log."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from bot import audit, outbox
from bot.labels import Label
from bot.policy import DUE_AFTER
from bot.workspace.access import Viewer, can_see_text
from bot.workspace.colleagues import MAX_NOTE, colleagues
from bot.workspace.triage_item import claim, load_visible, platform_capabilities
from connectors.records import REPLY_LIMITS, Capability
from models import (
    Action,
    ActionKind,
    Classification,
    Comment,
    ItemNote,
    QueueItem,
    QueueStatus,
    User,
)

DueTime = Callable[[Label, datetime], datetime]

ITEM_ACTIONS = (
    "reply",
    "private_reply",
    "hide",
    "unhide",
    "block",
    "relabel",
    "escalate",
    "dismiss",
    "handled",
    "reopen",
    "claim",
    "note",
    "assign",
)
BULK_ACTIONS = ("handled", "dismiss", "hide", "relabel")
PRIVATE_FIRST: frozenset[str] = frozenset(
    {Label.SAFEGUARDING.value, Label.ABSENCE.value, Label.PERSONAL_DATA.value}
)
"""Labels the policy says must not be discussed in public: a public reply needs a second step."""
MAX_REPLY = 8000
_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_ACTIVE = (QueueStatus.OPEN, QueueStatus.ESCALATED)
_CAPABILITY = {
    "reply": Capability.REPLY,
    "private_reply": Capability.PRIVATE_REPLY,
    "hide": Capability.HIDE,
    "unhide": Capability.HIDE,
    "block": Capability.BLOCK,
}


class ActionRefused(Exception):
    """The action cannot be done as asked; the message is safe to show."""


class ConfirmationNeeded(ActionRefused):
    """A deliberate step was skipped (a public reply to a private matter): ask, keep nothing."""


class ActionForbidden(ActionRefused):
    """The viewer may see the item exists but not act on it (safeguarding, for a champion)."""


@dataclass(frozen=True, slots=True)
class ActionRequest:
    action: str
    nonce: str
    text: str = ""
    label: str = ""
    note: str = ""
    confirm: str = ""
    """The second, deliberate step some actions need (a public reply on a private matter)."""
    assignee: str = ""
    """The colleague's user id for ``assign``; empty to take the assignment away."""


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    message: str
    action_ids: list[int] = field(default_factory=list)
    undo: str = ""
    """The action that takes this one back ("reopen" after a dismiss), offered in the flash."""


def _alerted(session: Session, item: QueueItem) -> bool:
    """Has the DSL been sent an alert about this item (by the pipeline or a person)?"""
    found = session.exec(
        select(Action.id).where(Action.queue_item_id == item.id, Action.kind == ActionKind.ALERT)
    ).first()
    return found is not None


def _user(session: Session, viewer: Viewer) -> User:
    user = session.get(User, viewer.id)
    if user is None:
        raise ActionForbidden("your account no longer exists")
    return user


def _set_status(item: QueueItem, status: QueueStatus, now: datetime) -> None:
    item.status = status
    if status not in _ACTIVE:
        item.claimed_at = None


def _enqueue(
    session: Session,
    kind: ActionKind,
    nonce: str,
    item: QueueItem,
    comment: Comment,
    user: User,
    payload: dict[str, str],
) -> int:
    """An outbox row keyed by the form's nonce, so a double submit queues it once."""
    action = outbox.enqueue(
        session,
        kind,
        key=f"{kind.value}:{comment.id}:{nonce}",
        account_id=comment.account_id,
        comment_id=comment.id,
        queue_item_id=item.id,
        payload=payload,
        user=user,
    )
    assert action.id is not None
    return action.id


def _reply_text(text: str, platform: str) -> str:
    text = text.strip()
    if not text:
        raise ActionRefused("the reply is empty")
    limit = reply_limit(platform)
    if len(text) > limit:
        raise ActionRefused(f"the reply is {len(text)} characters; {platform} allows {limit}")
    return text


def reply_limit(platform: str) -> int:
    return REPLY_LIMITS.get(platform, MAX_REPLY)


def default_due(label: Label, received: datetime) -> datetime:
    return received + DUE_AFTER[label]


def perform(
    session: Session,
    viewer: Viewer,
    item_id: int,
    request: ActionRequest,
    *,
    now: datetime,
    x_tier: str = "basic",
    due: DueTime = default_due,
) -> ActionOutcome | None:
    """Do ``request`` to the item; ``None`` if the item is not this viewer's (a 404).

    ``due`` gives a relabelled item its new due time (the config's ``[queue]`` in the app).
    """
    found = load_visible(session, viewer, item_id)
    if found is None:
        return None
    item, comment = found
    if not can_see_text(viewer, item.school_id, item.label):
        raise ActionForbidden("only the school's DSL or a trust admin can act on this item")
    if request.action not in ITEM_ACTIONS:
        raise ActionRefused("unknown action")
    if not _NONCE.match(request.nonce):
        raise ActionRefused("the form has expired: reload the page and try again")
    needed = _CAPABILITY.get(request.action)
    if needed and needed not in platform_capabilities(comment.platform, x_tier):
        raise ActionRefused(f"{comment.platform} does not allow this ({needed.value})")
    user = _user(session, viewer)
    nonce, cid = request.nonce, comment.id
    ids: list[int] = []
    detail = ""
    undo = ""

    def alert_dsl(reason: str, note: str) -> int:
        payload = {"reason": reason, "note": note}
        return _enqueue(session, ActionKind.ALERT, nonce, item, comment, user, payload)

    match request.action:
        case "reply" | "private_reply":
            if (
                request.action == "reply"
                and item.label in PRIVATE_FIRST
                and request.confirm != "public"
            ):
                raise ConfirmationNeeded(
                    "this is not for a public reply: send it privately, or tick "
                    '"Yes, reply in public" if you are sure'
                )
            text = _reply_text(request.text, comment.platform)
            private = request.action == "private_reply"
            kind = ActionKind.PRIVATE_REPLY if private else ActionKind.REPLY
            ids.append(
                _enqueue(
                    session,
                    kind,
                    nonce,
                    item,
                    comment,
                    user,
                    {"text": text},
                )
            )
            if item.status in _ACTIVE:
                _set_status(item, QueueStatus.HANDLED, now)
            message = ("Private" if private else "Public") + " reply queued; item marked handled."
            detail = f"action #{ids[0]}"
        case "hide" | "unhide":
            kind = ActionKind.HIDE if request.action == "hide" else ActionKind.UNHIDE
            ids.append(_enqueue(session, kind, nonce, item, comment, user, {}))
            message = f"{request.action.capitalize()} queued."
            detail = f"action #{ids[0]}"
        case "block":
            if request.confirm != "block":
                raise ActionRefused(
                    'a block cannot be undone from here: confirm it with "Yes, block"'
                )
            ids.append(
                _enqueue(
                    session,
                    ActionKind.BLOCK,
                    nonce,
                    item,
                    comment,
                    user,
                    {"author_id": comment.author_id},
                )
            )
            message = "Block of the author queued."
            detail = f"action #{ids[0]}"
        case "relabel":
            message, detail, alert = _relabel(session, item, comment, user, request.label, now, due)
            if alert:
                ids.append(alert_dsl("safeguarding", request.note))
        case "escalate":
            if _alerted(session, item) and request.confirm != "again":
                raise ActionRefused(
                    "the DSL has been emailed about this item already; tick "
                    '"Email the DSL again" to send another email'
                )
            _set_status(item, QueueStatus.ESCALATED, now)
            ids.append(alert_dsl("escalated", request.note.strip()[:2000]))
            message = "Escalated: the school's DSL is being emailed."
            detail = f"action #{ids[0]}"
        case "dismiss" | "handled" | "reopen":
            status = {
                "dismiss": QueueStatus.DISMISSED,
                "handled": QueueStatus.HANDLED,
                "reopen": QueueStatus.OPEN,
            }[request.action]
            _set_status(item, status, now)
            message = f"Item {status.value}."
            undo = "reopen" if request.action == "dismiss" else ""
        case "note":
            text = request.note.strip()
            if not text:
                raise ActionRefused("the note is empty")
            assert item.id is not None
            session.add(
                ItemNote(
                    queue_item_id=item.id, user_id=viewer.id, text=text[:MAX_NOTE], created_at=now
                )
            )
            message = "Note added: only colleagues see it."
        case "assign":
            message, detail = _assign(session, item, request.assignee)
        case _:  # claim
            claim(session, viewer, item, now=now, force=True)
            message = "You have taken this item: the others see that you are on it."
    if request.action not in ("claim", "note", "assign") and item.first_human_action_at is None:
        item.first_human_action_at = now
    item.updated_at = now
    audit.record(
        session,
        request.action,
        user=user,
        school_id=item.school_id,
        queue_item_id=item.id,
        comment_id=cid,
        detail=detail,
    )
    return ActionOutcome(message=message, action_ids=ids, undo=undo)


def _assign(session: Session, item: QueueItem, assignee: str) -> tuple[str, str]:
    """Give the item to a colleague who may act on it, or to nobody."""
    if not assignee:
        item.assigned_to_id = None
        return "Assignment removed.", "nobody"
    allowed = dict(colleagues(session, item.school_id, item.label))
    if not assignee.isdigit() or int(assignee) not in allowed:
        raise ActionRefused("choose a colleague who may act on this item")
    item.assigned_to_id = int(assignee)
    name = allowed[int(assignee)]
    return f"Assigned to {name}.", name


def _relabel(
    session: Session,
    item: QueueItem,
    comment: Comment,
    user: User,
    label: str,
    now: datetime,
    due: DueTime,
) -> tuple[str, str, bool]:
    """Keep the person's label for retraining; the item follows it. True: alert the DSL."""
    try:
        new = Label(label)
    except ValueError:
        raise ActionRefused("choose one of the nine labels") from None
    old = item.label
    assert comment.id is not None
    session.add(
        Classification(
            comment_id=comment.id,
            label=new.value,
            model="human",
            reasons=[f"relabelled by {user.email}"],
            relabelled_by=user.id,
            created_at=now,
        )
    )
    item.label = new.value
    item.priority = new.precedence
    item.due_at = due(new, item.created_at)
    alert = False
    if new is Label.SAFEGUARDING and old != new.value:
        _set_status(item, QueueStatus.ESCALATED, now)
        alert = True
    elif old == Label.SAFEGUARDING.value and item.status == QueueStatus.ESCALATED:
        _set_status(item, QueueStatus.OPEN, now)
    message = f"Relabelled {old} → {new.value}; kept for retraining."
    if alert:
        message += " Escalated to the DSL."
    return message, f"{old} -> {new.value}", alert


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    changed: int
    skipped: int
    refused: list[str] = field(default_factory=list)
    """Why items this viewer may act on were not changed (the platform cannot hide, say)."""


def bulk(
    session: Session,
    viewer: Viewer,
    item_ids: Iterable[int],
    action: str,
    *,
    now: datetime,
    nonce: str = "",
    label: str = "",
    x_tier: str = "basic",
    due: DueTime = default_due,
) -> BulkOutcome:
    """Do one action to many items, each exactly as on its own page (access, outbox, audit).

    Items not this viewer's to act on are skipped; one that cannot be done is refused."""
    if action not in BULK_ACTIONS:
        raise ActionRefused("choose handled, dismiss, hide or relabel")
    if action == "relabel":
        try:
            Label(label)
        except ValueError:
            raise ActionRefused("choose the label to give them") from None
    # The form's nonce keys the outbox rows (hide, an alert); a form without one gets its own.
    request = ActionRequest(
        action=action,
        nonce=nonce if _NONCE.match(nonce) else secrets.token_urlsafe(12),
        label=label,
    )
    changed = skipped = 0
    refused: list[str] = []
    for item_id in sorted(set(item_ids))[:500]:
        try:
            done = perform(session, viewer, item_id, request, now=now, x_tier=x_tier, due=due)
        except ActionForbidden:
            done = None
        except ActionRefused as exc:
            refused.append(f"#{item_id}: {exc}")
            continue
        if done is None:
            skipped += 1
        else:
            changed += 1
    return BulkOutcome(changed=changed, skipped=skipped, refused=refused)
