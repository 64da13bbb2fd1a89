"""The nine comment labels of ``LABELS.md``, in order of precedence."""

from __future__ import annotations

from enum import StrEnum


class Label(StrEnum):
    SAFEGUARDING = "safeguarding"
    ABUSE = "abuse"
    ABSENCE = "absence"
    PERSONAL_DATA = "personal_data"
    SPAM = "spam"
    COMPLAINT = "complaint"
    QUESTION = "question"
    POSITIVE = "positive"
    OTHER = "other"

    @property
    def precedence(self) -> int:
        """1 for safeguarding down to 9 for other."""
        return list(Label).index(self) + 1

    @property
    def hide_group(self) -> bool:
        """Labels 1 to 5: the policy wants them out of public view."""
        return self.precedence <= 5


HIDE_GROUP: frozenset[Label] = frozenset(label for label in Label if label.hide_group)
