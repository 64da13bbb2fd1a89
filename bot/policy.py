"""What the school's policy wants done with a classified comment (``LABELS.md``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.classifier.settings import Thresholds
from bot.classifier.verdict import Verdict
from bot.config import SchoolConfig
from bot.labels import Label
from models import QueueStatus

# How soon a person should look, per label; the dashboard flags items past due.
DUE_AFTER: dict[Label, timedelta] = {
    Label.SAFEGUARDING: timedelta(minutes=15),
    Label.ABUSE: timedelta(hours=2),
    Label.ABSENCE: timedelta(hours=4),
    Label.PERSONAL_DATA: timedelta(hours=4),
    Label.SPAM: timedelta(days=1),
    Label.COMPLAINT: timedelta(hours=8),
    Label.QUESTION: timedelta(hours=8),
    Label.POSITIVE: timedelta(days=2),
    Label.OTHER: timedelta(days=7),
}
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

    @property
    def due_after(self) -> timedelta:
        return DUE_AFTER[self.label]


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
    return Decision(
        label=label,
        hide=hide,
        alert_dsl=alert,
        queue=queue,
        status=QueueStatus.ESCALATED if label is Label.SAFEGUARDING else QueueStatus.OPEN,
        priority=label.precedence,
        suggest_block=label is Label.ABUSE and abusive_recently >= policy.block_after_abusive,
    )
