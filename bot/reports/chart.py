"""The 12-week follower trend as a PNG: one small panel per account, drawn with matplotlib's Agg."""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from datetime import datetime

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, WeekdayLocator, date2num
from matplotlib.figure import Figure

from bot.reports.followers import AccountFigures
from bot.reports.period import Week

_COLOURS = {"facebook": "#1f5fbf", "instagram": "#b8336a", "x": "#222222"}
_COLUMNS = 3
_TITLE_WIDTH = 30
"""Characters of a panel title's line at 7.5 pt in a 2.3-inch panel."""


def _num(when: datetime) -> float:
    return float(date2num(when))  # type: ignore[no-untyped-call]


def panel_title(account: AccountFigures, *, many: bool) -> str:
    """Two short lines that fit a panel: wrapped, never cut mid-word by the figure's edge."""
    who = account.school_name if many and account.school_name else account.name
    lines = textwrap.wrap(who, _TITLE_WIDTH) or [""]
    second = lines[0] if len(lines) == 1 else lines[0].rstrip() + "…"
    return f"{account.platform_name}\n{second}"


def trend_png(
    accounts: Sequence[AccountFigures], weeks: Sequence[Week], *, dpi: int = 146
) -> bytes:
    """Followers over ``weeks`` (oldest first), one panel per account; a note if there are none."""
    tz = weeks[-1].tz
    columns = max(1, min(_COLUMNS, len(accounts)))
    rows = max(1, math.ceil(len(accounts) / columns))
    figure = Figure(figsize=(2.3 * columns, 1.85 * rows), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    if not accounts:
        axes = figure.add_subplot()
        axes.axis("off")
        axes.text(0.5, 0.5, "No accounts to show", ha="center", va="center", color="#555555")
    start = weeks[0].start.astimezone(tz)
    end = weeks[-1].end.astimezone(tz)
    for index, account in enumerate(accounts):
        axes = figure.add_subplot(rows, columns, index + 1)
        colour = _COLOURS.get(account.platform, "#444444")
        axes.set_title(
            panel_title(account, many=len(accounts) > _COLUMNS), fontsize=7.5, loc="left"
        )
        if account.points:
            times = [_num(when) for when, _ in account.points]
            counts = [count for _, count in account.points]
            axes.plot(times, counts, color=colour, linewidth=1.6)
            axes.fill_between(times, counts, 0, color=colour, alpha=0.08)
            axes.set_ylim(bottom=0, top=max(counts) * 1.18 or 1)  # from zero: no made-up cliffs
            axes.annotate(
                f"{counts[-1]:,}",
                (times[-1], counts[-1]),
                textcoords="offset points",
                xytext=(-2, 4),
                ha="right",
                fontsize=7,
                color=colour,
            )
        else:
            axes.text(0.5, 0.5, "no snapshots", transform=axes.transAxes, ha="center", fontsize=8)
        axes.set_xlim(_num(start), _num(end))
        axes.xaxis.set_major_locator(WeekdayLocator(byweekday=0, interval=3, tz=tz))  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_formatter(DateFormatter("%d %b", tz=tz))  # type: ignore[no-untyped-call]
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.25)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
