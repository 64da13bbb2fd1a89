"""Every figure of the report, in the HTML and the CSV, against data whose numbers are known."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import Engine

from bot.config import Config
from bot.reports import Report, build_reports
from tests.bot.reports.conftest import NOW, WEEK, Known, row_starting, table_rows

LABEL_ROWS = [
    ("Safeguarding", 1),
    ("Abuse", 0),
    ("Absence", 0),
    ("Personal data", 0),
    ("Spam", 1),
    ("Complaint", 0),
    ("Question", 1),
    ("Positive", 1),
    ("Other", 1),
    ("Not yet labelled", 1),
]
OAKFIELD_ACTIONS = [
    ("Comments read", "6"),
    ("Hidden automatically", "2"),
    ("Hidden by staff", "1"),
    ("Replies sent", "2"),
    ("Private replies sent", "1"),
    ("Safeguarding escalations", "1"),
    ("Blocks", "2"),
    ("Median time to first human action", "30 min"),
    ("Past due and still open", "3"),
]


@pytest.fixture
def reports(engine: Engine, config: Config, known: Known) -> dict[str, Report]:
    return {report.scope: report for report in build_reports(engine, config, WEEK, now=NOW)}


def _csv(report: Report) -> dict[tuple[str, str, str, str], tuple[str, str]]:
    rows = list(csv.DictReader(io.StringIO(report.csv)))
    assert {row["week"] for row in rows} == {WEEK}
    out = {}
    for row in rows:
        key = (row["section"], row["school"], row["account"], row["item"])
        assert key not in out, key
        out[key] = (row["value"], row["detail"])
    return out


def test_one_report_per_school_and_one_for_the_trust(reports: dict[str, Report]) -> None:
    assert list(reports) == ["oakfield", "birch", "trust"]
    assert reports["oakfield"].recipients == ("head@oakfield.example", "champion@oakfield.example")
    assert reports["trust"].recipients == ("ceo@riverside.example",)
    assert reports["trust"].subject == "Riverside Trust: weekly report, week 2026-W43"
    page = reports["oakfield"].html
    assert "Monday 19 October 2026 to Sunday 25 October 2026 (Europe/London)" in page


def test_follower_figures_in_html(reports: dict[str, Report]) -> None:
    page = reports["oakfield"].html
    # account, platform, followers now, change, new, watchlist
    assert row_starting(page, "Oakfield FB") == [
        "Oakfield FB",
        "Facebook",
        "1,010",
        "+10",
        "–",
        "–",
    ]
    assert row_starting(page, "@oakfield.ig") == [
        "@oakfield.ig",
        "Instagram",
        "555",
        "+5",
        "–",
        "–",
    ]
    assert row_starting(page, "@OakfieldX") == ["@OakfieldX", "X", "5", "+2", "3", "2"]
    trust = reports["trust"].html
    assert row_starting(trust, "Birch Academy", "Birch FB") == [
        "Birch Academy",
        "Birch FB",
        "Facebook",
        "no snapshot",
        "not known",
        "–",
        "–",
    ]


def test_new_followers_and_watchlist_in_html(reports: dict[str, Report]) -> None:
    page = reports["oakfield"].html
    assert "3 new followers this week, 2 on the watchlist; 1 stopped following." in page
    assert row_starting(page, "Eve Moss") == [
        "Eve Moss",
        "@evemoss",
        "Year 5 at Oakfield",
        "looks like a pupil",
    ]
    assert row_starting(page, "Fay Hill") == [
        "Fay Hill",
        "@fayhill",
        "my OnlyFans below",
        "adult content",
    ]
    assert row_starting(page, "Dan Ode") == ["Dan Ode", "@danode", "Dad of three", ""]
    assert "Gus" not in page  # followed after the week ended
    names = [row[0] for row in table_rows(page) if row[0] in ("Eve Moss", "Fay Hill", "Dan Ode")]
    assert names[-1] == "Dan Ode"  # flagged first
    assert (
        "Facebook and Instagram give the number of followers only, not who they are: for these "
        "accounts the report can show the change in the count, nothing more." in page
    )
    assert "Oakfield FB (Facebook): +10; @oakfield.ig (Instagram): +5." in page
    birch = reports["birch"].html
    assert "Facebook gives the number of followers only" in birch
    assert "for this account the report can show the change in the count" in birch
    assert "Birch FB (Facebook): not known." in birch


def test_moderation_figures_in_html(reports: dict[str, Report]) -> None:
    page = reports["oakfield"].html
    for title, count in LABEL_ROWS:
        assert row_starting(page, title) == [title, str(count)]
    for title, value in OAKFIELD_ACTIONS:
        assert row_starting(page, title) == [title, value]


def test_trust_moderation_has_a_column_per_school_and_a_total(reports: dict[str, Report]) -> None:
    page = reports["trust"].html
    assert row_starting(page, "This week") == [
        "This week",
        "Oakfield Primary",
        "Birch Academy",
        "All schools",
    ]
    assert row_starting(page, "Comments read") == ["Comments read", "6", "1", "7"]
    assert row_starting(page, "Question") == ["Question", "1", "1", "2"]
    assert row_starting(page, "Hidden automatically") == ["Hidden automatically", "2", "1", "3"]
    assert row_starting(page, "Past due and still open") == [
        "Past due and still open",
        "3",
        "1",
        "4",
    ]
    assert row_starting(page, "Median time to first human action") == [
        "Median time to first human action",
        "30 min",
        "no human actions this week",
        "30 min",
    ]


def test_accounts_needing_attention(reports: dict[str, Report]) -> None:
    page = reports["oakfield"].html
    assert row_starting(page, "Oakfield FB (Facebook)") == [
        "Oakfield FB (Facebook)",
        "polling paused until Mon 26 Oct 2026 09:30",
    ]
    assert row_starting(page, "@oakfield.ig (Instagram)") == [
        "@oakfield.ig (Instagram)",
        "a permission is missing (last error: permission missing: instagram_manage_comments)",
    ]
    assert row_starting(page, "@OakfieldX (X)") == [
        "@OakfieldX (X)",
        "needs a new access token: the platform refused it (expired or revoked)",
    ]
    assert "Token expiry dates are not known to Hallmonitor yet" in page
    birch = reports["birch"].html
    assert "Every account is polling normally." in birch  # its pause ended before now


def test_every_figure_in_csv(reports: dict[str, Report]) -> None:
    rows = _csv(reports["oakfield"])
    fb, ig, x = (
        ("Oakfield Primary", name) for name in ("Oakfield FB", "@oakfield.ig", "@OakfieldX")
    )
    expect = {
        ("followers", *fb, "followers_now"): "1010",
        ("followers", *fb, "followers_before"): "1000",
        ("followers", *fb, "change"): "10",
        ("followers", *ig, "followers_now"): "555",
        ("followers", *ig, "change"): "5",
        ("followers", *x, "followers_now"): "5",
        ("followers", *x, "followers_before"): "3",
        ("followers", *x, "change"): "2",
        ("followers", *x, "new_followers"): "3",
        ("followers", *x, "watchlist_hits"): "2",
        ("followers", *x, "lost_followers"): "1",
        ("trend", *fb, "2026-W41"): "990",
        ("trend", *fb, "2026-W42"): "1000",
        ("trend", *fb, "2026-W43"): "1010",
        ("trend", *fb, "2026-W32"): "",
        ("new_follower", *x, "Eve Moss"): "@evemoss",
        ("new_follower", *x, "Fay Hill"): "@fayhill",
        ("new_follower", *x, "Dan Ode"): "@danode",
    }
    for i in range(12):
        expect[("trend", *ig, f"2026-W{32 + i}")] = "" if i == 3 else str(500 + 5 * i)
    moderation = {
        "comments_read": 6,
        "hidden_auto": 2,
        "hidden_by_staff": 1,
        "replies": 2,
        "private_replies": 1,
        "safeguarding_escalations": 1,
        "blocks": 2,
        "past_due_open": 3,
        "median_minutes_to_first_human_action": "30.0",
        "label:safeguarding": 1,
        "label:abuse": 0,
        "label:spam": 1,
        "label:question": 1,
        "label:positive": 1,
        "label:other": 1,
        "label:unclassified": 1,
        "label:complaint": 0,
    }
    for item, value in moderation.items():
        expect[("moderation", "Oakfield Primary", "", item)] = str(value)
    for key, value in expect.items():
        assert rows[key][0] == value, key
    assert rows[("new_follower", *x, "Eve Moss")][1] == "looks like a pupil"
    assert rows[("followers", *fb, "new_followers")] == (
        "",
        "Facebook gives the number of followers only, not who they are: this report can show "
        "the change in the count, nothing more.",
    )
    assert rows[("attention", "Oakfield Primary", "@OakfieldX", "problem")][1].startswith(
        "needs a new access token"
    )
    assert len([key for key in rows if key[0] == "trend"]) == 36


def test_trust_csv_totals(reports: dict[str, Report]) -> None:
    rows = _csv(reports["trust"])
    assert rows[("moderation", "All schools", "", "comments_read")][0] == "7"
    assert rows[("moderation", "Birch Academy", "", "comments_read")][0] == "1"
    assert rows[("moderation", "Birch Academy", "", "median_minutes_to_first_human_action")] == (
        "",
        "no human actions this week",
    )
    assert rows[("moderation", "All schools", "", "past_due_open")][0] == "4"
    assert rows[("followers", "Birch Academy", "Birch FB", "followers_now")][0] == ""


def test_a_week_with_no_human_actions(engine: Engine, config: Config, known: Known) -> None:
    [report] = build_reports(engine, config, "2026-W44", "oakfield", now=NOW)
    assert row_starting(report.html, "Median time to first human action") == [
        "Median time to first human action",
        "no human actions this week",
    ]
    assert row_starting(report.html, "Comments read") == ["Comments read", "1"]  # c7
    # c4 open, c3 escalated and c6 (due Tuesday 27th) are past due at its end;
    # c_prev was acted on within W44.
    assert row_starting(report.html, "Past due and still open") == ["Past due and still open", "3"]
    assert row_starting(report.html, "Oakfield FB") == [
        "Oakfield FB",
        "Facebook",
        "1,020",
        "+10",
        "–",
        "–",
    ]
    assert "6 new" not in report.html
    assert row_starting(report.html, "Gus Year 9") == [
        "Gus Year 9",
        "@gusyear9",
        "",
        "looks like a pupil",
    ]


def test_follower_names_cannot_become_spreadsheet_formulas(
    engine: Engine, config: Config, known: Known
) -> None:
    from datetime import UTC, datetime

    from bot.snapshots import store_snapshot
    from connectors.records import Follower, FollowerSnapshot, Platform
    from models import session_scope

    with session_scope(engine) as session:
        store_snapshot(
            session,
            known.accounts["x1"].id,
            FollowerSnapshot(
                Platform.X,
                "x1",
                datetime(2026, 10, 25, 12, tzinfo=UTC),
                1,
                followers=(Follower("99", '=HYPERLINK("http://evil")', "evil", "<b>bio</b>"),),
            ),
        )
    [report] = build_reports(engine, config, WEEK, "oakfield", now=NOW)
    assert "'=HYPERLINK" in report.csv
    assert "<b>bio</b>" not in report.html
    assert "&lt;b&gt;bio&lt;/b&gt;" in report.html


def test_three_line_summary_comes_first(reports: dict[str, Report]) -> None:
    page = reports["oakfield"].html
    summary = page[page.index('id="summary"') : page.index("</div>", page.index('id="summary"'))]
    lines = re.findall(r">(What [^<]+)</p>", summary)
    assert [line.split(":")[0] for line in lines] == [
        "What happened",
        "What needs you",
        "What changed",
    ]
    assert "2 new followers on the watchlist" in lines[1]
    assert "3 accounts to fix" in lines[1]
    assert lines[2] == "What changed: followers up by 17 across 3 accounts."  # +10 +5 +2
    assert page.index('id="summary"') < page.index(">Followers</h2>")
    assert reports["oakfield"].text.splitlines()[3].startswith("What happened:")


def test_who_stopped_following_and_what_to_do_about_a_hit(reports: dict[str, Report]) -> None:
    page = reports["oakfield"].html
    assert "Stopped following: Bob Ray (@bobray)." in page
    assert "<strong>Suggested action</strong> for each watchlist hit" in page


def test_chart_titles_fit_and_say_the_axis_starts_at_zero(reports: dict[str, Report]) -> None:
    from bot.reports.chart import panel_title
    from bot.reports.followers import AccountFigures

    long = AccountFigures(
        account_id=1, school_id="s", school_name="St Bartholomew's Church of England Primary",
        platform="instagram", name="St Bartholomew's Church of England Primary Academy",
        followers_now=1, followers_before=1, weekly=(), points=(), follower_list=False,
        new_followers=(), lost_followers=None, note="",
    )  # fmt: skip
    title = panel_title(long, many=False)
    assert title.startswith("Instagram\n")
    assert all(len(line) <= 31 for line in title.splitlines())
    assert title.endswith("…")
    assert "The charts start at zero." in reports["oakfield"].html
