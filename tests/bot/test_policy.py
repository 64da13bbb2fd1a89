"""The policy of LABELS.md: what is hidden, alerted and queued for each label."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.classifier.settings import DEFAULT_THRESHOLDS
from bot.classifier.verdict import Verdict
from bot.config import PolicyConfig, QueueConfig, SchoolConfig
from bot.labels import Label
from bot.policy import decide, due_at
from models import QueueStatus

SCHOOL = SchoolConfig(id="oakfield", name="Oakfield Primary School", office_phone="01632 960001")


def _verdict(label: Label, score: float) -> Verdict:
    scores = dict.fromkeys(Label, 0.0)
    scores[label] = score
    return Verdict(label=label, scores=scores, reasons=("test",), model="t", version="1")


@pytest.mark.parametrize(
    ("label", "score", "hide", "alert", "queue"),
    [
        (Label.SAFEGUARDING, 0.55, True, True, True),
        (Label.ABUSE, 0.97, True, False, True),
        (Label.ABUSE, 0.60, False, False, True),
        (Label.SPAM, 0.95, True, False, False),
        (Label.SPAM, 0.60, False, False, True),
        (Label.ABSENCE, 0.90, True, False, True),
        (Label.PERSONAL_DATA, 0.90, True, False, True),
        (Label.COMPLAINT, 0.80, False, False, True),
        (Label.QUESTION, 0.80, False, False, True),
        (Label.POSITIVE, 0.80, False, False, True),
        (Label.QUESTION, 0.05, False, False, False),
        (Label.OTHER, 0.99, False, False, False),
    ],
)
def test_each_label_gets_what_the_policy_wants(
    label: Label, score: float, hide: bool, alert: bool, queue: bool
) -> None:
    decision = decide(_verdict(label, score), SCHOOL, DEFAULT_THRESHOLDS[label])
    assert (decision.hide, decision.alert_dsl, decision.queue) == (hide, alert, queue)
    assert decision.priority == label.precedence


def test_safeguarding_is_escalated_not_open() -> None:
    decision = decide(
        _verdict(Label.SAFEGUARDING, 0.9), SCHOOL, DEFAULT_THRESHOLDS[Label.SAFEGUARDING]
    )
    assert decision.status is QueueStatus.ESCALATED


def test_a_school_may_keep_absences_visible() -> None:
    school = SCHOOL.model_copy(update={"policy": PolicyConfig(hide_absence=False)})
    decision = decide(_verdict(Label.ABSENCE, 0.99), school, DEFAULT_THRESHOLDS[Label.ABSENCE])
    assert decision.hide is False
    assert decision.queue is True


def test_third_abusive_comment_in_the_window_suggests_a_block() -> None:
    thresholds = DEFAULT_THRESHOLDS[Label.ABUSE]
    second = decide(_verdict(Label.ABUSE, 0.9), SCHOOL, thresholds, abusive_recently=2)
    third = decide(_verdict(Label.ABUSE, 0.9), SCHOOL, thresholds, abusive_recently=3)
    assert (second.suggest_block, third.suggest_block) == (False, True)


def test_a_failed_classification_is_queued_for_review_and_not_hidden() -> None:
    decision = decide(None, SCHOOL, DEFAULT_THRESHOLDS[Label.OTHER])
    assert decision.needs_review
    assert decision.queue
    assert not decision.hide


LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("received_local", "due_local"),
    [
        (datetime(2026, 11, 18, 9, 5), datetime(2026, 11, 18, 17, 0)),  # Wednesday morning
        (datetime(2026, 11, 20, 18, 30), datetime(2026, 11, 23, 17, 0)),  # Friday evening
        (datetime(2026, 10, 24, 12, 0), datetime(2026, 10, 26, 17, 0)),  # over the clock change
    ],
)
def test_questions_fall_due_at_the_end_of_the_working_day(
    received_local: datetime, due_local: datetime
) -> None:
    received = received_local.replace(tzinfo=LONDON).astimezone(UTC)
    due = due_at(Label.QUESTION, received, QueueConfig(), LONDON)
    assert due == due_local.replace(tzinfo=LONDON).astimezone(UTC)


def test_safeguarding_is_due_in_minutes_and_the_config_can_change_it() -> None:
    received = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)
    assert due_at(Label.SAFEGUARDING, received, QueueConfig(), LONDON) == received + timedelta(
        minutes=15
    )
    quicker = QueueConfig(due_minutes={Label.SAFEGUARDING: 5})
    assert due_at(Label.SAFEGUARDING, received, quicker, LONDON) == received + timedelta(minutes=5)
    assert quicker.due_minutes[Label.ABUSE] == 120
