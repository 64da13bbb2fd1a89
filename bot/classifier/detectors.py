"""All rule-based detectors in one call, for the backends to combine with their models."""

from __future__ import annotations

from bot.classifier.cues import phrase_findings
from bot.classifier.findings import Finding
from bot.classifier.pii import personal_data


def find_all(text: str) -> list[Finding]:
    """Every finding for one normalised text, strongest first."""
    findings = [*personal_data(text), *phrase_findings(text)]
    return sorted(findings, key=lambda finding: -finding.score)
