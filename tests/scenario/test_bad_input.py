"""Malformed scenarios: every one is refused with one line naming the file, the line and the field.

Each case is a small edit of ``BASE``, a minimal valid scenario. The edited text carries the YAML
comment ``#!`` on the line the error must point at, so the expected line number is computed from
the text and never written by hand. The contract (see ``scenario.errors.ScenarioError``):

* ``load_scenario`` raises ``ScenarioError`` and nothing else;
* ``.line`` is the line of the offending key; ``.path`` is the field path, e.g.
  ``stages[0].steps[1].role``;
* ``.message`` says what is allowed;
* ``str(err)`` is one line: ``FILE:LINE: field.path: message``.

The CLI (``salesim validate FILE`` / ``salesim run FILE --out DIR``) prints that line to stderr as
``error: <line>``, exits with code 2, shows no traceback and leaves no output folder behind.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.schema import Scenario
from tests.conftest import ROOT

MARK = "#!"

SEASONS = "    seasonality: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
MIX = "    segment_mix: {A: 0.4, B: 0.6}\n"
HEAD = """\
name: mini
horizon_days: 60
warmup_days: 5
segments: [A, B]
calendar:
  start_date: 2026-01-05
  weekdays: [mon, tue, wed, thu, fri]
  hours: "09:00-18:00"
channels:
  - name: web
    rate: 5
""" + SEASONS + MIX + """\
    deal_size: {dist: triangular, low: 10, mode: 20, high: 50}
roles:
  - name: hunter
    headcount: 2
    speed: {dist: lognormal, mean: 1, sd: 0.2}
  - name: closer
    headcount: 1
    calendar: {weekdays: [mon, tue], hours: "10:00-16:00"}
"""
AFTER_SALE = """\
  - name: after_sale
    steps:
      - name: ship
        role: closer
        client_delay_days: {dist: uniform, low: 1, high: 3}
        conversion: 1
"""
STAGES = """\
stages:
  - name: develop
    cooling_half_life_days: 10
    steps:
      - name: qualify
        role: hunter
        effort_hours: {dist: lognormal, mean: 1, sd: 0.5}
        conversion: 0.7
        loss_reasons: {no_need: 0.6, no_budget: 0.4}
      - name: close
        role: closer
        effort_hours: 2
        conversion: {A: 0.6, B: 0.5}
        wins: true
""" + AFTER_SALE
BASE = HEAD + STAGES


@dataclass(frozen=True)
class Bad:
    """One malformed scenario: ``BASE`` with ``old`` replaced by ``new`` (which holds ``#!``)."""

    id: str
    old: str
    new: str
    path: str
    words: tuple[str, ...]


NEW_FIELD_CASES = [
    # -- people, money, clients, org: the fields added after the engine --------------------
    Bad("clients_unknown_owner_role", "name: mini\n",
        "name: mini\nclients:\n  owner_role: farmer  #!\n",
        "clients.owner_role", ("unknown role 'farmer'", "hunter", "closer")),
    Bad("clients_churn_certain", "name: mini\n",
        "name: mini\nclients:\n  owner_role: hunter\n  churn_per_month: 1  #!\n",
        "clients.churn_per_month", ("less than 1",)),
    Bad("payment_delay_missing_segment", "name: mini\n",
        "name: mini\npayment:\n  delay_days: {A: 5}  #!\n",
        "payment.delay_days", ("no delay", "B")),
    Bad("full_cycle_unknown_role", "name: mini\n",
        "name: mini\norg:\n  structure: full_cycle\n"
        "  full_cycle: {role: manager, replaces: [hunter]}  #!\n",
        "org.full_cycle.role", ("unknown role 'manager'",)),
    Bad("pods_segment_served_twice", "name: mini\n",
        "name: mini\norg:\n  structure: pods\n  pods:\n"
        "    - {name: a, segments: [A], headcount: {hunter: 1}}\n"
        "    - {name: b, segments: [A, B], headcount: {hunter: 1}}  #!\n",
        "org.pods[1].segments[0]", ("already served", "'a'")),
    Bad("gross_margin_missing_segment", "name: mini\n", "name: mini\ngross_margin: {A: 0.3}  #!\n",
        "gross_margin", ("no margin", "B")),
    Bad("plan_unknown_role", "name: mini\n",
        "name: mini\nplan: {monthly_revenue: 100, role: boss}  #!\n",
        "plan.role", ("unknown role 'boss'",)),
    Bad("pay_kpi_unknown_step", "    headcount: 2\n",
        "    headcount: 2\n    pay: {kpi_bonus: {presentation: 300}}  #!\n",
        "roles[0].pay.kpi_bonus.presentation", ("unknown step 'presentation'", "qualify")),
    Bad("pay_bonus_without_plan", "    headcount: 2\n",
        "    headcount: 2\n    pay: {plan_bonus: 1000}  #!\n",
        "roles[0].pay", ("plan",)),
    Bad("behaviour_zero_push", "    headcount: 2\n",
        "    headcount: 2\n    behaviour: {push_speed: 0}  #!\n",
        "roles[0].behaviour.push_speed", ("greater than 0",)),
    Bad("ramp_up_start_above_one", "    headcount: 2\n",
        "    headcount: 2\n    ramp_up: {days: 30, start: 1.5}  #!\n",
        "roles[0].ramp_up.start", ("less than or equal to 1",)),
    Bad("headcount_changes_out_of_order", "    headcount: 2\n",
        "    headcount: 2\n"
        "    headcount_changes: [{day: 20, headcount: 3}, {day: 10, headcount: 1}]  #!\n",
        "roles[0].headcount_changes", ("increasing order",)),
    Bad("attrition_certain", "    headcount: 2\n",
        "    headcount: 2\n    attrition_per_month: 1  #!\n",
        "roles[0].attrition_per_month", ("less than 1",)),
    Bad("late_penalty_without_sla", "        conversion: 0.7\n",
        "        conversion: 0.7\n        late_penalty: 0.1  #!\n",
        "stages[0].steps[0].late_penalty", ("sla_days",)),
    Bad("step_unknown_channel", "        conversion: 0.7\n",
        "        conversion: 0.7\n        channels: [phone]  #!\n",
        "stages[0].steps[0].channels[0]", ("unknown channel 'phone'", "web")),
]

CASES = [
    *NEW_FIELD_CASES,
    # -- keys ----------------------------------------------------------------------------------
    Bad("unknown_top_level_key", "name: mini\n", "name: mini\nowner: Ivan  #!\n",
        "owner", ("unknown key 'owner'", "horizon_days", "channels", "stages")),
    Bad("unknown_key_in_step", "        effort_hours: 2\n",
        "        effort_hours: 2\n        owner: bob  #!\n",
        "stages[0].steps[1].owner",
        ("unknown key 'owner'", "role", "effort_hours", "loss_reasons", "sla_days", "wins")),
    Bad("unknown_key_in_channel", "    rate: 5\n", "    rate: 5\n    colour: red  #!\n",
        "channels[0].colour", ("unknown key 'colour'", "rate", "segment_mix", "deal_size")),
    Bad("missing_horizon_days", "name: mini\nhorizon_days: 60\n", "name: mini  #!\n",
        "horizon_days", ("missing", "horizon_days")),
    Bad("missing_headcount", "  - name: hunter\n    headcount: 2\n", "  - name: hunter  #!\n",
        "roles[0].headcount", ("missing", "headcount")),
    Bad("duplicate_key_in_mapping", "    headcount: 2\n",
        "    headcount: 2\n    headcount: 3  #!\n",
        "roles[0].headcount", ("headcount", "twice")),
    # -- types and ranges ----------------------------------------------------------------------
    Bad("headcount_wrong_type", "    headcount: 2\n", '    headcount: "three"  #!\n',
        "roles[0].headcount", ("integer", "three")),
    Bad("headcount_fraction", "    headcount: 2\n", "    headcount: 2.5  #!\n",
        "roles[0].headcount", ("integer",)),
    Bad("headcount_negative", "    headcount: 2\n", "    headcount: -1  #!\n",
        "roles[0].headcount", ("greater than or equal to 0",)),
    Bad("conversion_above_one", "        conversion: 0.7\n", "        conversion: 1.3  #!\n",
        "stages[0].steps[0].conversion", ("less than or equal to 1",)),
    Bad("segment_conversion_above_one", "        conversion: {A: 0.6, B: 0.5}\n",
        "        conversion: {A: 0.6, B: 1.5}  #!\n",
        "stages[0].steps[1].conversion.B", ("less than or equal to 1",)),
    Bad("rate_infinite", "    rate: 5\n", "    rate: .inf  #!\n",
        "channels[0].rate", ("finite",)),
    Bad("stage_assignment_unknown", "    cooling_half_life_days: 10\n",
        "    assignment: shared  #!\n",
        "stages[0].assignment", ("'pooled'", "'owned'")),
    Bad("invalid_calendar_date", "  start_date: 2026-01-05\n", "  start_date: 2026-02-30  #!\n",
        "calendar.start_date", ("date",)),
    # -- segments and shares -------------------------------------------------------------------
    Bad("segment_conversion_unknown_segment", "        conversion: {A: 0.6, B: 0.5}\n",
        "        conversion: {A: 0.6, Z: 0.5}  #!\n",
        "stages[0].steps[1].conversion.Z", ("unknown segment 'Z'", "A, B")),
    Bad("segment_conversion_missing_segment", "        conversion: {A: 0.6, B: 0.5}\n",
        "        conversion: {A: 0.6}  #!\n",
        "stages[0].steps[1].conversion", ("B", "every segment")),
    Bad("loss_reasons_not_summing_to_one", "{no_need: 0.6, no_budget: 0.4}",
        "{no_need: 0.6, no_budget: 0.3}  #!",
        "stages[0].steps[0].loss_reasons", ("sum to 1",)),
    Bad("segment_mix_not_summing_to_one", "{A: 0.4, B: 0.6}", "{A: 0.4, B: 0.5}  #!",
        "channels[0].segment_mix", ("sum to 1",)),
    Bad("segment_mix_unknown_segment", "{A: 0.4, B: 0.6}", "{A: 0.4, C: 0.6}  #!",
        "channels[0].segment_mix.C", ("unknown segment 'C'", "A, B")),
    Bad("channel_without_segment_mix", "  - name: web\n    rate: 5\n" + SEASONS + MIX,
        "  - name: web  #!\n    rate: 5\n" + SEASONS,
        "channels[0]", ("segment_mix", "A, B")),
    Bad("step_segments_unknown_segment", "        role: hunter\n",
        "        role: hunter\n        segments: [A, Q]  #!\n",
        "stages[0].steps[0].segments[1]", ("unknown segment 'Q'", "A, B")),
    Bad("seasonality_eleven_values", "seasonality: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
        "seasonality: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]  #!",
        "channels[0].seasonality", ("12",)),
    # -- roles and pipeline --------------------------------------------------------------------
    Bad("step_unknown_role", "        role: closer\n        effort_hours: 2\n",
        "        role: boss  #!\n        effort_hours: 2\n",
        "stages[0].steps[1].role", ("unknown role 'boss'", "hunter, closer")),
    Bad("empty_pipeline", STAGES, "stages: []  #!\n", "stages", ("at least 1",)),
    Bad("stage_without_steps", AFTER_SALE, "  - name: after_sale\n    steps: []  #!\n",
        "stages[1].steps", ("at least 1",)),
    Bad("duplicate_stage_names", "  - name: after_sale\n", "  - name: develop  #!\n",
        "stages[1].name", ("duplicate stage name 'develop'", "unique")),
    Bad("duplicate_role_names", "  - name: closer\n", "  - name: hunter  #!\n",
        "roles[1].name", ("duplicate role name 'hunter'", "unique")),
    Bad("reserved_loss_reason_cooled", "{no_need: 0.6, no_budget: 0.4}",
        "{cooled: 0.6, no_budget: 0.4}  #!",
        "stages[0].steps[0].loss_reasons.cooled", ("'cooled'", "reserved")),
    Bad("conversion_below_one_after_winning_step", "        conversion: 1\n",
        "        conversion: 0.9  #!\n",
        "stages[1].steps[0].conversion", ("after-sale", "conversion must be 1")),
    Bad("two_winning_steps", "        conversion: 1\n",
        "        conversion: 1\n        wins: true  #!\n",
        "stages[1].steps[0].wins", ("only one step",)),
    # -- distributions -------------------------------------------------------------------------
    Bad("lognormal_negative_sd", "    speed: {dist: lognormal, mean: 1, sd: 0.2}\n",
        "    speed:\n      dist: lognormal\n      mean: 1\n      sd: -1  #!\n",
        "roles[0].speed.sd", ("greater than 0",)),
    Bad("triangular_low_above_high", "        effort_hours: 2\n",
        "        effort_hours: {dist: triangular, low: 3, mode: 2, high: 1}  #!\n",
        "stages[0].steps[1].effort_hours", ("low <= mode <= high",)),
    Bad("triangular_low_above_high_in_deal_size",
        "{dist: triangular, low: 10, mode: 20, high: 50}",
        "{dist: triangular, low: 60, mode: 20, high: 50}  #!",
        "channels[0].deal_size", ("low <= mode <= high",)),
    Bad("unknown_distribution", "        effort_hours: {dist: lognormal, mean: 1, sd: 0.5}\n",
        "        effort_hours:\n          dist: gamma  #!\n          mean: 1\n",
        "stages[0].steps[0].effort_hours.dist",
        ("gamma", "fixed", "exponential", "lognormal", "triangular", "uniform", "empirical")),
    # -- labels: what a person reads ------------------------------------------------------------
    Bad("segment_label_unknown_segment", "segments: [A, B]\n",
        "segments: [A, B]\nsegment_labels: {A: Large, Z: Tiny}  #!\n",
        "segment_labels.Z", ("unknown segment 'Z'", "A, B")),
    Bad("loss_reason_label_unknown_reason", "segments: [A, B]\n",
        "segments: [A, B]\nloss_reason_labels:\n  price: Too dear  #!\n",
        "loss_reason_labels.price", ("unknown loss reason 'price'", "no_need", "cooled")),
    Bad("stage_label_two_lines", "  - name: develop\n",
        "  - name: develop\n    label: \"Lead\\ndevelopment\"  #!\n",
        "stages[0].label", ("one line of text",)),
    # -- calendar and horizon ------------------------------------------------------------------
    Bad("warmup_not_shorter_than_horizon", "warmup_days: 5\n", "warmup_days: 60  #!\n",
        "warmup_days", ("shorter than horizon_days",)),
    Bad("no_working_weekdays", "  weekdays: [mon, tue, wed, thu, fri]\n", "  weekdays: []  #!\n",
        "calendar.weekdays", ("at least",)),
    Bad("start_date_too_late_for_the_horizon", "  start_date: 2026-01-05\n",
        "  start_date: 9999-12-01  #!\n", "calendar.start_date", ()),
    Bad("bad_hours", '  hours: "09:00-18:00"\n', '  hours: "9-25"  #!\n',
        "calendar.hours", ("HH:MM-HH:MM",)),
    Bad("unknown_weekday", "{weekdays: [mon, tue],", "{weekdays: [mon, funday],  #!\n     ",
        "roles[1].calendar.weekdays", ("funday", "mon, tue, wed, thu, fri, sat, sun")),
]


def line_of(text: str, marker: str = MARK) -> int:
    """1-based number of the only line of ``text`` holding ``marker``."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(hits) == 1, f"{marker!r} must mark exactly one line, found {hits}"
    return hits[0]


def is_one_line(text: str) -> bool:
    return text != "" and text.splitlines() == [text]


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def mutate(case: Bad) -> str:
    assert BASE.count(case.old) == 1, f"{case.id}: {case.old!r} must occur once in BASE"
    return BASE.replace(case.old, case.new)


def refusal(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


def test_base_scenario_is_valid(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, BASE, "base.yaml"))
    assert isinstance(scenario, Scenario)
    assert [s.name for s in scenario.stages] == ["develop", "after_sale"]
    assert scenario.win_step() == (0, 1)


def test_documented_example_is_valid(tmp_path: Path) -> None:
    """The complete example in docs/scenario.md loads, and wins at the step marked wins: true."""
    text = (ROOT / "docs" / "scenario.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 1
    scenario = load_scenario(write(tmp_path, blocks[0], "example.yaml"))
    assert scenario.name == "small_team"
    stage, step = scenario.win_step()
    assert scenario.stages[stage].steps[step].name == "payment"


def test_cases_are_distinct() -> None:
    assert len(CASES) >= 20
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({mutate(c) for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_scenario_is_refused_with_file_line_and_field(tmp_path: Path,
                                                                case: Bad) -> None:
    text = mutate(case)
    expected_line = line_of(text)
    path = write(tmp_path, text)

    err = refusal(path)

    assert err.source == str(path)
    assert (err.line, err.path) == (expected_line, case.path), str(err)
    for word in case.words:
        assert word in err.message, f"{word!r} not in {err.message!r}"
    assert is_one_line(str(err)), repr(str(err))
    assert str(err) == f"{path}:{expected_line}: {case.path}: {err.message}"


# -- files that are not a scenario document at all ---------------------------------------------


@dataclass(frozen=True)
class BadFile:
    """A file whose text is wrong as a whole; ``#!`` marks the expected line.

    ``path`` None: the field path may be given or not (the YAML itself is broken there).
    """

    id: str
    text: str
    path: str | None
    words: tuple[str, ...]


FILE_CASES = [
    BadFile("yaml_unclosed_flow_sequence", "name: mini\nhorizon_days: 60\nstages: [unclosed  #!\n",
            "", ("not valid YAML",)),
    BadFile("yaml_unclosed_then_more_keys",
            "name: mini\nstages: [unclosed\nhorizon_days: 60  #!\nchannels: []\n",
            "", ("not valid YAML",)),
    BadFile("yaml_tab_indent", "name: mini\n\thorizon_days: 60  #!\n", "", ("not valid YAML",)),
    BadFile("yaml_undefined_alias", "name: mini\nhorizon_days: *days  #!\n", "",
            ("not valid YAML", "days")),
    BadFile("yaml_python_tag", "name: mini\nhorizon_days: !!python/object:os.system x  #!\n",
            None, ("tag",)),
    BadFile("yaml_control_character", "name: mini\nhorizon_days: 6\x070  #!\n", "",
            ("not valid YAML",)),
    BadFile("yaml_empty_float", 'name: mini\nhorizon_days: !!float ""  #!\n', "horizon_days", ()),
    BadFile("yaml_bad_int", "name: mini\nhorizon_days: !!int sixty  #!\n", "horizon_days", ()),
    BadFile("yaml_bad_bool", "name: mini\nhorizon_days: !!bool maybe  #!\n", "horizon_days", ()),
    BadFile("yaml_bad_timestamp", "name: mini\nhorizon_days: !!timestamp soon  #!\n",
            "horizon_days", ("date",)),
    BadFile("top_level_list", "- name: mini  #!\n- horizon_days: 60\n", "", ("mapping",)),
    BadFile("top_level_string", "just some words  #!\n", "", ("mapping",)),
    BadFile("empty_file", "#!\n", "", ("empty",)),
    BadFile("two_documents", "name: mini\nhorizon_days: 60\n---\nname: other  #!\n", "",
            ("one document",)),
    BadFile("duplicate_top_level_key", "name: mini\nhorizon_days: 60\nname: other  #!\n",
            "name", ("'name'", "twice")),
]


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.id for c in FILE_CASES])
def test_malformed_file_is_refused_with_file_and_line(tmp_path: Path, case: BadFile) -> None:
    expected_line = line_of(case.text)
    path = write(tmp_path, case.text)

    err = refusal(path)

    assert err.source == str(path)
    assert err.line == expected_line, str(err)
    if case.path is not None:
        assert err.path == case.path, str(err)
    for word in case.words:
        assert word in err.message, f"{word!r} not in {err.message!r}"
    assert is_one_line(str(err)), repr(str(err))
    prefix = f"{path}:{expected_line}: " + (f"{err.path}: " if err.path else "")
    assert str(err).startswith(prefix), str(err)


def test_truly_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    err = refusal(path)
    assert (err.line, err.path) == (1, "")
    assert "empty" in err.message
    assert str(err).startswith(f"{path}:1: ")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    err = refusal(path)
    assert err.source == str(path)
    assert err.line is None
    assert "no such file" in err.message
    assert str(err) == f"{path}: {err.message}"
    assert is_one_line(str(err))


def test_directory_instead_of_file(tmp_path: Path) -> None:
    err = refusal(tmp_path)
    assert err.source == str(tmp_path)
    assert "not a file" in err.message
    assert str(err).startswith(f"{tmp_path}: ")
    assert is_one_line(str(err))


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    err = refusal(path)
    assert "UTF-8" in err.message
    assert str(err).startswith(f"{path}:")
    assert is_one_line(str(err))


@pytest.mark.parametrize("key", ["own\ner", "own\u2028er"], ids=["newline", "line_separator"])
@pytest.mark.parametrize("where", ["top_level", "segment_mix"])
def test_odd_key_names_stay_on_one_line(tmp_path: Path, key: str, where: str) -> None:
    quoted = '"' + key.encode("unicode_escape").decode("ascii") + '"'  # a YAML escape
    if where == "top_level":
        text = BASE.replace("name: mini\n", f"name: mini\n{quoted}: 1  #!\n")
    else:
        text = BASE.replace("{A: 0.4, B: 0.6}", f"{{A: 0.4, {quoted}: 0.6}}  #!")
    path = write(tmp_path, text)
    err = refusal(path)
    assert err.line == line_of(text)
    assert is_one_line(str(err)), repr(str(err))
    assert str(err).startswith(f"{path}:{err.line}: ")


@pytest.mark.parametrize("text", [
    "name: &loop [*loop]\n",
    "name: " + "[" * 3000 + "]" * 3000 + "\n",
    "name: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
], ids=["recursive_alias", "deeply_nested_lists", "deeply_nested_mappings"])
def test_pathological_yaml_is_refused_not_crashed(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    err = refusal(path)
    assert is_one_line(str(err)), repr(str(err))
    assert str(err).startswith(f"{path}:")


def test_alias_expansion_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """Nine levels of ten aliases each would expand to 10**9 values: refuse, do not expand."""
    lines = ["a0: &a0 [" + ", ".join(["x"] * 10) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    code = ("import sys\n"
            "from salesim.simulator.scenario.errors import ScenarioError\n"
            "from salesim.simulator.scenario.loader import load_scenario\n"
            "try:\n    load_scenario(sys.argv[1])\n"
            "except ScenarioError as err:\n    print(err)\n")
    try:
        proc = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, timeout=15,
                              capture_output=True, text=True, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the loader was still expanding aliases after 15 s")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{path}:"), proc.stdout
    assert len(proc.stdout.splitlines()) == 1, proc.stdout


# -- the command line ---------------------------------------------------------------------------

CLI_CASES = ["step_unknown_role", "bad_hours", "segment_mix_not_summing_to_one",
             "lognormal_negative_sd"]
CLI_FILE_CASES = ["yaml_unclosed_then_more_keys", "top_level_list"]


@pytest.fixture
def cli_app() -> Any:
    from salesim.simulator.cli.main import (
        app,  # imported here so that a broken CLI fails only these tests
    )

    return app


def _cli_inputs(tmp_path: Path) -> list[tuple[str, Path]]:
    tmp_path.mkdir()
    by_id = {c.id: c for c in CASES}
    files = {c.id: c for c in FILE_CASES}
    out = [(cid, write(tmp_path, mutate(by_id[cid]), f"{cid}.yaml")) for cid in CLI_CASES]
    out += [(cid, write(tmp_path, files[cid].text, f"{cid}.yaml")) for cid in CLI_FILE_CASES]
    out.append(("missing_file", tmp_path / "nowhere.yaml"))
    out.append(("directory", tmp_path))  # the folder of the other inputs
    return out


def _assert_cli_refuses(result: Any, scenario: Path) -> None:
    expected = str(refusal(scenario))
    everything = result.output + result.stderr
    assert "Traceback" not in everything, everything
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    assert result.exit_code == 2, everything
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {expected}"], result.stderr
    assert f"{scenario}" in errors[0]


@pytest.mark.parametrize("command", ["validate", "run"])
def test_cli_refuses_bad_scenario_with_one_error_line(tmp_path: Path, cli_app: Any,
                                                      command: str) -> None:
    from typer.testing import CliRunner

    runner = CliRunner()
    for case_id, scenario in _cli_inputs(tmp_path / "in"):
        out_dir = tmp_path / f"out-{case_id}"
        args = [command, str(scenario)] + (["--out", str(out_dir)] if command == "run" else [])
        result = runner.invoke(cli_app, args)
        try:
            _assert_cli_refuses(result, scenario)
        except AssertionError as exc:
            raise AssertionError(f"{case_id}: {exc}") from None
        assert not out_dir.exists(), f"{case_id}: run left {out_dir} behind"


def test_cli_error_line_names_line_and_field(tmp_path: Path, cli_app: Any) -> None:
    from typer.testing import CliRunner

    case = next(c for c in CASES if c.id == "step_unknown_role")
    text = mutate(case)
    scenario = write(tmp_path, text)
    result = CliRunner().invoke(cli_app, ["validate", str(scenario)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {scenario}:{line_of(text)}: {case.path}: ")
