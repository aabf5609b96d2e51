"""The fault runs' own judgement, without a fault: edits checked against the stored value, answers counted,
targets turned into verdicts."""

from bench.faults import report
from bench.faults.checks import _edits, answers_summary
from bench.faults.client import Answer


def edit(value, acknowledged, site=1):
    return {"id": site, "value": value, "acknowledged": acknowledged, "status": 200 if acknowledged else 503}


def test_an_edit_is_lost_only_when_the_row_holds_something_older_than_its_last_acknowledged_value():
    attempts = [edit("a", True), edit("b", True), edit("c", False)]
    assert _edits(attempts, {1: (None, None, "b")}) == (0, 0)  # the last acknowledged value
    assert _edits(attempts, {1: (None, None, "c")}) == (0, 1)  # a failed one that committed whole
    assert _edits(attempts, {1: (None, None, "a")}) == (1, 0)  # an acknowledged edit gone
    assert _edits(attempts, {1: (None, None, "before")}) == (1, 0)
    assert _edits([edit("x", False)], {1: (None, None, "before")}) == (0, 0)


def test_answers_count_503s_without_retry_after_and_requests_without_an_answer():
    answers = [Answer("tile", "GET", "/t", 0.0, 0.01, 200), Answer("tile", "GET", "/t", 0.0, 0.2, 503, None, "5"),
               Answer("list", "GET", "/l", 0.0, 0.3, 503), Answer("list", "GET", "/l", 0.0, 10.0, None, "timeout"),
               Answer("list", "GET", "/l", 0.0, 0.1, 500)]
    summary = answers_summary(answers)
    assert summary["requests"] == 5 and summary["statuses"] == {"200": 1, "500": 1, "503": 2, "no answer": 1}
    assert (summary["5xx"], summary["5xx_other_than_503"], summary["503_without_retry_after"]) == (3, 1, 1)
    assert summary["no_answer"] == 1 and summary["longest_s"] == 10.0


def test_verdicts_read_the_figures_and_a_failed_run_fails_the_whole():
    results = {"started": "now", "runs": {"kill": {"all": {"5xx": 0}, "writes": {
        "acknowledged_writes_lost": 0, "half_written": 0, "aggregates_match_rows": True},
        "sessions_left_in_a_transaction": 0}}}
    assert [row[4] for row in report.verdicts(results)] == [True] * 5 and report.passed(results)
    results["runs"]["kill"]["writes"]["acknowledged_writes_lost"] = 2
    assert not report.passed(results) and "**not met**" in report.markdown(results)
    assert not report.passed({"started": "now", "runs": {"outage": {"error": "RuntimeError: boom"}}})
