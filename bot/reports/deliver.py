"""Delivery: a copy in ``<reports.dir>/<week>/``, and an email with the chart inline and the CSV."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.notify import Attachment, Email, InlineImage, Mailer, NotifyError
from bot.reports.build import Report

_LOGGER = logging.getLogger(__name__)


def report_paths(report: Report, out_dir: Path) -> dict[str, Path]:
    folder = out_dir / report.week.label
    return {ext: folder / f"{report.scope}.{ext}" for ext in ("html", "csv", "png")}


def write_report(report: Report, out_dir: Path) -> list[Path]:
    """Write ``<week>/<scope>.{html,csv,png}`` under ``out_dir``, replacing old ones."""
    paths = report_paths(report, out_dir)
    paths["html"].parent.mkdir(parents=True, exist_ok=True)
    paths["html"].write_text(report.html_file, encoding="utf-8")
    paths["csv"].write_text(report.csv, encoding="utf-8", newline="")
    paths["png"].write_bytes(report.chart_png)
    return list(paths.values())


def report_email(report: Report) -> Email:
    return Email(
        to=report.recipients,
        subject=report.subject,
        text=report.text,
        html=report.html,
        attachments=(
            Attachment(
                filename=f"{report.scope}-{report.week.label}.csv",
                content=report.csv.encode("utf-8"),
                maintype="text",
                subtype="csv",
            ),
        ),
        images=(InlineImage(cid=report.chart_cid, content=report.chart_png),),
    )


async def send_report(mailer: Mailer, report: Report) -> bool:
    """Email one report to its recipients; False (logged) when it has none or sending failed."""
    if not report.recipients:
        _LOGGER.info("the %s report has no recipients configured: not emailed", report.scope)
        return False
    try:
        await mailer.send(report_email(report))
    except NotifyError as exc:
        _LOGGER.error("the %s report for %s was not sent: %s", report.scope, report.week, exc)
        return False
    _LOGGER.info(
        "sent the %s report for %s to %s recipient(s)",
        report.scope,
        report.week,
        len(report.recipients),
    )
    return True
