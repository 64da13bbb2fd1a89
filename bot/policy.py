"""What the school's policy wants done with a classified comment (``LABELS.md``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.classifier.settings import Thresholds
from bot.classifier.verdict import Verdict
from bot.config import DEFAULT_DUE_MINUTES, QueueConfig, SchoolConfig
from bot.labels import Label
from models import QueueStatus

# How soon a person should look, per label, unless the config says otherwise.
DUE_AFTER: dict[Label, timedelta] = {
    label: timedelta(minutes=minutes) for label, minutes in DEFAULT_DUE_MINUTES.items()
}
_WORKING_DAY = frozenset({Label.COMPLAINT, Label.QUESTION})
NEEDS_REVIEW_PRIORITY = 2


@dataclass(frozen=True, slots=True)
class Decision:
    label: Label
    hide: bool
    alert_dsl: bool
    queue: bool
    status: QueueStatus
    priority: int
    suggest_block: bool
    needs_review: bool = False


def decide(
    verdict: Verdict | None,
    school: SchoolConfig,
    thresholds: Thresholds,
    *,
    abusive_recently: int = 0,
) -> Decision:
    """Hide, alert and queue as the policy says; ``None`` means the classifier failed.

    ``abusive_recently`` counts this author's abusive comments on the trust's accounts in the
    school's block window, this one included.
    """
    if verdict is None:
        return Decision(
            label=Label.OTHER,
            hide=False,
            alert_dsl=False,
            queue=True,
            status=QueueStatus.OPEN,
            priority=NEEDS_REVIEW_PRIORITY,
            suggest_block=False,
            needs_review=True,
        )
    label, sure = verdict.label, verdict.score >= thresholds.auto_hide
    policy = school.policy
    hide = queue = alert = False
    match label:
        case Label.SAFEGUARDING:
            hide = alert = queue = True
        case Label.ABUSE:
            hide, queue = sure, True
        case Label.SPAM:
            hide, queue = sure, not sure
        case Label.ABSENCE:
            hide, queue = policy.hide_absence, True
        case Label.PERSONAL_DATA:
            hide, queue = policy.hide_personal_data, True
        case Label.COMPLAINT | Label.QUESTION | Label.POSITIVE:
            queue = verdict.score >= thresholds.queue
        case Label.OTHER:
            pass
    if verdict.uncertain:
        queue = True  # a person checks the label, whatever the label says to do
    return Decision(
        label=label,
        hide=hide,
        alert_dsl=alert,
        queue=queue,
        status=QueueStatus.ESCALATED if label is Label.SAFEGUARDING else QueueStatus.OPEN,
        priority=label.precedence,
        suggest_block=label is Label.ABUSE and abusive_recently >= policy.block_after_abusive,
        needs_review=verdict.uncertain,
    )


def due_at(label: Label, received: datetime, queue: QueueConfig, tz: ZoneInfo) -> datetime:
    """When the item becomes past due: complaints and questions by the end of the working day."""
    if label in _WORKING_DAY and queue.working_day_end is not None:
        local = received.astimezone(tz)
        day = local.date()
        while True:
            end = datetime.combine(day, queue.working_day_end, tzinfo=tz)
            if day.weekday() < 5 and local < end:
                return end.astimezone(UTC)
            day += timedelta(days=1)
    return received + timedelta(minutes=queue.due_minutes[label])
