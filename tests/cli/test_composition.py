"""The CLI package: command groups composed in main, consoles made on first use."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from salesim.simulator.cli.main import app


def test_importing_the_cli_makes_no_console() -> None:
    code = ("import salesim.simulator.cli.main\n"
            "from salesim.simulator.cli import console\n"
            "print(console.out.cache_info().currsize, console.err.cache_info().currsize)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["0", "0"]


def test_every_command_group_is_composed() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    commands = [line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines()
                if line.startswith("  ") and not line.startswith("   ")]
    assert commands == ["run", "validate", "schema", "compare", "sweep", "whatif", "optimize",
                        "report", "export", "plan"]
    plan = CliRunner().invoke(app, ["plan", "--help"])
    assert plan.exit_code == 0 and "decompose" in plan.stdout and "forecast" in plan.stdout


def test_a_bad_scenario_is_one_line_and_exit_2(tmp_path: object) -> None:
    from pathlib import Path

    bad = Path(str(tmp_path)) / "bad.yaml"
    bad.write_text("name: x\nseed: [1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "bad.yaml" in lines[0]
