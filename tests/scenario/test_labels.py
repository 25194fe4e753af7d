"""Labels: the scenario's own, salesim's wording for the engine's reasons, else words."""

from __future__ import annotations

from pathlib import Path

from salesim.simulator.metrics.verdict import bottleneck_text
from salesim.simulator.scenario.labels import Labels, humanize, label_of
from salesim.simulator.scenario.loader import load_scenario
from tests.conftest import BASELINE
from tests.scenario.test_bad_input import BASE, write


def test_fallback_turns_names_into_words() -> None:
    assert humanize("lead_development") == "Lead development"
    assert humanize("cold_calls") == "Cold calls" and humanize("A") == "A"
    assert humanize("KAM") == "KAM"
    assert label_of(None, "stage", "lead_development") == "Lead development"


def test_built_in_reasons_in_both_locales() -> None:
    assert label_of(None, "reason", "cooled") == "Went cold while waiting"
    assert label_of(None, "reason", "owner_left") == "Owner left the company"
    assert label_of(None, "reason", "cooled", "ru") == "Остыл, пока ждал"
    assert label_of(None, "reason", "no_budget", "ru") == "No budget"  # no wording: the name


def test_scenario_labels_override(tmp_path: Path) -> None:
    text = BASE.replace("  - name: develop\n", "  - name: develop\n    label: Warm-up calls\n") \
        .replace("  - name: hunter\n", "  - name: hunter\n    label: Hunters\n") \
        .replace("segments: [A, B]\n", "segments: [A, B]\nsegment_labels: {A: Large accounts}\n"
                 "loss_reason_labels: {no_need: Does not need it, cooled: Waited too long}\n")
    scenario = load_scenario(write(tmp_path, text))
    labels = Labels(scenario, "ru")
    assert labels.stage("develop") == "Warm-up calls" and labels.stage("after_sale") == \
        "After sale"
    assert labels.role("hunter") == "Hunters" and labels.role("closer") == "Closer"
    assert labels.segment("A") == "Large accounts" and labels.segment("B") == "B"
    assert labels.reason("no_need") == "Does not need it"
    assert labels.reason("cooled") == "Waited too long"  # the scenario's own wins over built-in
    assert labels.step("qualify", "develop") == "Qualify"
    assert labels.channel("web") == "Web"


def test_the_baseline_is_labelled() -> None:
    scenario = load_scenario(BASELINE)
    labels = Labels(scenario)
    assert [labels.stage(s.name) for s in scenario.stages][:3] == [
        "Lead generation", "Lead development", "Closing the deal"]
    assert labels.role("hunter") == "Hunters" and labels.segment("A") == "Large accounts"
    assert labels.reason("price") == "Price too high"
    assert all(r.label for r in scenario.roles) and all(c.label for c in scenario.channels)


def test_verdict_speaks_of_the_team_with_its_label() -> None:
    scenario = load_scenario(BASELINE)
    found = {"stage": "lead_development", "role": "hunter", "kind": "capacity",
             "evidence": {"utilization": 0.84, "wait_days_mean": 1.8,
                          "wait_work_hours_mean": 4.7, "wait_share": 0.28, "queue_mean": 31.2,
                          "lost_cooled": 507, "queue_trend_per_30d": 0.3},
             "watch": [{"stage": "fulfilment", "role": "warehouse", "queue_last_quarter": 7.25,
                        "queue_before": 1.5}]}
    text = bottleneck_text(found, scenario)
    assert text.startswith("Hunters are the bottleneck, in Lead development: the team is busy "
                           "84% of its working time, so a new lead waits 1.8\u00a0days on "
                           "average (4.7 working hours) before someone picks it up")
    assert "507 leads went cold while waiting" in text
    assert "the queue is neither growing nor shrinking" in text
    assert ("Keep an eye on Fulfilment (shipping) (Warehouse): its queue is building up — "
            "7.2 leads") in text
    ru = bottleneck_text(found, scenario, "ru", agreement=(4, 5))
    assert "busy 84\u00a0% of its working time" in ru and "1,8\u00a0days" in ru
    assert ru.endswith("(4 of 5 replications reached this verdict; the figures are their means.)")
