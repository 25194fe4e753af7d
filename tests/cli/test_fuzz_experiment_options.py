"""Mutation fuzzing of the experiment commands' options: every case ends in success (exit 0,
the folder written) or in one line ``error: …`` on stderr with exit 2, no traceback and no
folder.

Each case takes a valid, small command of ``compare``, ``sweep``, ``whatif`` or ``optimize`` and
mutates one or two things: an option's value (numbers nan/inf/huge/negative/tiny, text, empty),
a ``--vary`` path or range, a ``--range``/``--constraint``/``--budget``, a scheduler address, or
the content of a variant-set file. The cases are drawn from a fixed seed (the same every run);
``CASES`` bounds them. The counts are printed (``pytest -s``).
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from tests.cli.test_experiments_cli import run
from tests.experiments.test_experiments import TINY

CASES = 100
SEED = 20261203
NUMBERS = ["nan", "inf", "-inf", "-1", "0", "1e308", "-1e308", "1e-320", "1" + "0" * 30, "abc",
           "", " ", "1,5", "0x10", "1_0", "٣", "2.5", "-0", "1e400", "3", "+2"]
OPTIONS = ["-r", "--jobs", "--seed", "--days", "--plan", "--warmup", "--precision",
           "--max-replications"]
# valid values that would make a case long (thousands of runs) are left out of these
COUNTS = ["nan", "inf", "-1", "0", "1", "1e308", "1" + "0" * 30, "abc", "", "2.5", "3", "+2",
          "10001", "0x10"]
PRECISIONS = ["nan", "inf", "-1", "0", "abc", "", "1e308", "50%", "nan%", "inf%", "-5%", "0%",
              "%", "1e400"]
RANGES = ["nan..5", "0..inf", "-1e308..1e308", "0..1..1e-300", "5..1", "1..3..0", "1..3..-1",
          "a..b", "1..", "..3", "1..2..3..4", "1,,2", "", "1e400", "nan", "inf,1", "-1",
          "[1,2]", "{a: 1}", "!!binary aGk=", "[" * 500, "1..2", "0.5..1..0.25", "true"]
PATHS = ["roles.closer.headcount", "roles.closr.headcount", "roles..headcount", ".roles",
         "roles.closer", "roles.closer.work_time", "channels.web.rate", "seed", "name",
         "roles.0.headcount", "roles.9.headcount", "horizon_days", "stages.closing.steps"
         ".proposal.conversion", "roles.closer.headcount.x", ""]
SCHEDULERS = ["not a url", "tcp://", "http://host:1", "tcp://h:0", "tcp://h:99999", "inproc://x",
              "tls://127.0.0.1:1", "tcp://ho st:1", "local:1"]
SET_LINES = ["      roles.closer.headcount: 2", "      roles.closer.headcount: nan",
             "      roles.closer.headcount: .inf", "      roles.closer.headcount: 1e400",
             "      roles.closer.work_time: 0", "      roles.closer.work_time: -1",
             "      roles.nobody.headcount: 2", "      channels.web.rate: !!binary aGk=",
             "      roles.closer.headcount: [1, 2]", "      {}", "      seed: 3"]
NAMES = ["x", "a b", "a_b", "tiny", "", "'../x'", "null", "'{}'", "x" * 70, "'a/b'"]


def _base(kind: str, folder: Path) -> list[str]:
    tiny, two, variants = (str(folder / n) for n in ("tiny.yaml", "two.yaml", "set.yaml"))
    common = ["-r", "2", "--jobs", "1", "--days", "3"]
    precise = [*common, "--max-replications", "4"]  # bounds a --precision that is not met
    return {
        "compare": ["compare", tiny, two, *precise],
        "compare-set": ["compare", variants, *precise],
        "sweep": ["sweep", tiny, "--vary", "roles.closer.headcount=1..2", *precise],
        "whatif": ["whatif", tiny, *precise],
        "optimize": ["optimize", tiny, "--range", "hunter=1..2", "--range", "closer=1..2",
                     *common],
    }[kind]


def _set_option(args: list[str], option: str, value: str) -> list[str]:
    if option in args:
        i = args.index(option)
        return [*args[:i + 1], value, *args[i + 2:]]
    return [*args, option, value]


def _mutate(rng: random.Random, kind: str, args: list[str], folder: Path, case: int
            ) -> list[str]:
    what = rng.choice(["option", "option", "vary", "range", "scheduler", "set", "constraint"])
    if what == "option":
        option = rng.choice([*OPTIONS, "--faster"] if kind == "whatif" else OPTIONS)
        pool = {"-r": COUNTS, "--max-replications": COUNTS, "--precision": PRECISIONS}
        return _set_option(args, option, rng.choice(pool.get(option, NUMBERS)))
    if what == "vary" and kind == "sweep":
        return _set_option(args, "--vary", f"{rng.choice(PATHS)}={rng.choice(RANGES)}")
    if what == "range" and kind == "optimize":
        return [*args, "--range", f"{rng.choice(['closer', 'hunter', 'ceo', ''])}="
                                  f"{rng.choice(RANGES)}"]
    if what == "constraint" and kind == "optimize":
        option = rng.choice(["--constraint", "--budget", "--objective", "--roles"])
        return [*args, option, rng.choice(["won>=nan", "cycle_days<=inf", "won>=1 @ p=nan",
                                           "headcount=1e308", "payroll=-1", "headcount=nan",
                                           "cost", "happiness", "", "won", "closer,,x"])]
    if what == "scheduler":
        return _set_option(args, "--scheduler", rng.choice(SCHEDULERS))
    if what == "set" and kind == "compare-set":
        path = folder / f"set{case}.yaml"
        names = [rng.choice(NAMES), rng.choice(NAMES)]
        path.write_text("base: tiny.yaml\nvariants:\n" + "".join(
            f"  - name: {n}\n    set:\n{rng.choice(SET_LINES)}\n" for n in names))
        return [args[0], str(path), *args[2:]]
    return _set_option(args, rng.choice(["--seed", "--days", "--jobs"]), rng.choice(NUMBERS))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "tiny.yaml").write_text(TINY)
    (folder / "two.yaml").write_text(TINY.replace("name: tiny", "name: two")
                                     .replace("rate: 6", "rate: 7"))
    (folder / "set.yaml").write_text("base: tiny.yaml\nvariants:\n  - name: more\n    set:\n"
                                     "      roles.closer.headcount: 2\n")
    return folder


def test_mutated_options_succeed_or_fail_in_one_line(folder: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    counts: Counter[str] = Counter()
    broken: list[str] = []
    kinds = ["compare", "compare-set", "sweep", "whatif", "optimize"]
    for case in range(CASES):
        kind = kinds[case % len(kinds)]
        args = _mutate(rng, kind, _base(kind, folder), folder, case)
        if rng.random() < 0.3:
            args = _mutate(rng, kind, args, folder, case)
        out = tmp_path / f"out{case}"
        code, _, err = run(*args, "--out", str(out))
        if code == 0 and out.is_dir():
            counts["success"] += 1
        elif (code == 2 and err.startswith("error: ") and err.count("\n") == 1
              and "Traceback" not in err and not out.exists()):
            counts["clean error"] += 1
        else:
            counts["broken"] += 1
            broken.append(f"{args!r} -> exit {code}: {err[-300:]!r}")
    print(f"\nfuzzed experiment options: {CASES} cases, {counts['success']} successes, "
          f"{counts['clean error']} clean errors, {counts['broken']} broken")
    assert broken == [], "\n".join(broken)
    assert counts["clean error"] > CASES // 3 and counts["success"] > 0


@pytest.mark.parametrize(("kind", "change", "message"), [
    ("sweep", ["--vary", "roles.closer.headcount=nan..5"], "range bounds must be finite"),
    ("sweep", ["--vary", "roles.closer.headcount=0..inf"], "range bounds must be finite"),
    ("sweep", ["--vary", "roles.closer.headcount=0..1..1e-300"], "more than 10,000 values"),
    ("compare", ["--scheduler", "not a url"], "--scheduler 'not a url': not a Dask scheduler"),
    ("compare", ["-r", "0"], "Invalid value for '--replications'"),
    ("whatif", ["--jobs", "0"], "Invalid value for '--jobs'"),
    ("whatif", ["--jobs", "-1"], "Invalid value for '--jobs'"),
    ("optimize", ["--jobs", "100000"], "--jobs 100000: at most"),
    ("sweep", ["--seed", "-1"], "--seed: Input should be greater than or equal to 0"),
    ("sweep", ["--seed", "1" + "0" * 30], "--seed: Input should be less than or equal to"),
    ("compare", ["--days", "nan"], "--days: Input should be a finite number"),
])
def test_the_reported_cases_are_one_line(kind: str, change: list[str], message: str,
                                         folder: Path, tmp_path: Path) -> None:
    args = _base(kind, folder)
    for option, value in zip(change[::2], change[1::2], strict=True):
        args = _set_option(args, option, value)
    code, _, err = run(*args, "--out", str(tmp_path / "o"))
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("names", "message"), [
    (["a b", "a_b"], "would both be written to variant-a_b.yaml"),
    (["x", "x"], "variants[1].name: 'x' is already the name of variants[0]"),
])
def test_clashing_variant_names_are_one_line(names: list[str], message: str, folder: Path,
                                             tmp_path: Path) -> None:
    path = folder / f"clash-{'-'.join(n.replace(' ', '') for n in names)}.yaml"
    path.write_text("base: tiny.yaml\nvariants:\n" + "".join(
        f"  - name: {n}\n    set: {{roles.closer.headcount: {i + 2}}}\n"
        for i, n in enumerate(names)))
    code, _, err = run("compare", str(path), "-r", "2", "-j", "1", "--out", str(tmp_path / "o"))
    assert code == 2 and message in err and err.count("\n") == 1, err
