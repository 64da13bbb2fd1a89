"""Comment classifier: one ``classify`` interface, an embedded and a detoxify backend."""

from __future__ import annotations

from bot.classifier.base import Classifier, load_classifier
from bot.classifier.settings import ClassifierSettings, Thresholds
from bot.classifier.verdict import Verdict

__all__ = ["Classifier", "ClassifierSettings", "Thresholds", "Verdict", "load_classifier"]
