"""The only module that reads YAML: a scenario file → plain data with the line of every field."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path as FsPath
from typing import Any

import yaml

from salesim.simulator.scenario.errors import Path, ScenarioError, format_path
from salesim.simulator.scenario.schema import Scenario

MAX_FILE_BYTES = 5_000_000
MAX_DEPTH = 64  # no scenario nests deeper; guards against recursion
MAX_VALUES = 200_000  # guards against "billion laughs" alias expansion


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader that also reads ``1e6`` and ``2E-3`` as numbers (YAML 1.2 does;
    YAML 1.1 wants a dot and a signed exponent, so ``rate: 1e6`` used to be a string)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))

# the tags a scenario may carry: those PyYAML resolves by itself for plain values (written out,
# ``!!str 5`` is fine); anything else (``!!binary``, ``!!python/...``, ``!custom``) is refused
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in (
    "str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge"))


def load_scenario(path: str | FsPath) -> Scenario:
    """Read and validate a scenario file.

    Raises:
        ScenarioError: the file is missing, is not YAML, or does not describe a valid scenario;
            the message names the file, the line and the field.
    """
    source = str(path)
    data, marks = read_yaml(path)
    if isinstance(data, dict) and "variants" in data and "base" in data:
        raise ScenarioError("this is a variants file (base + variants), not a scenario; run it "
                            "with `salesim compare FILE`", source=source,
                            line=marks.get(("variants",)), path="variants")
    return Scenario.from_data(data, source=source, marks=marks)


def read_yaml(path: str | FsPath) -> tuple[Any, dict[Path, int]]:
    """Parse a YAML file into plain data and a map from field path to 1-based line number."""
    source = str(path)
    p = FsPath(path)
    if not p.exists():
        raise ScenarioError("no such file", source=source)
    if not p.is_file():
        raise ScenarioError("not a file (a scenario is a .yaml file)", source=source)
    if p.stat().st_size > MAX_FILE_BYTES:
        raise ScenarioError(f"file larger than {MAX_FILE_BYTES:,} bytes; not a scenario",
                            source=source)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text (byte {exc.start})", source=source) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror}", source=source) from None
    return parse_yaml(text, source)


def parse_yaml(text: str, source: str = "<scenario>") -> tuple[Any, dict[Path, int]]:
    """Parse YAML text; see :func:`read_yaml`."""
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, source) from None
    except RecursionError:
        raise ScenarioError("nested too deeply; not a scenario", source=source) from None
    if len(nodes) > 1:
        raise ScenarioError("holds several YAML documents; a scenario is one document",
                            source=source, line=nodes[1].start_mark.line + 1)
    if not nodes or nodes[0] is None:
        raise ScenarioError("the file is empty; a scenario needs name, horizon_days, channels "
                            "and stages", source=source, line=1)
    marks: dict[Path, int] = {}
    try:
        data = _construct(nodes[0], (), marks, source, [0])
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, source) from None
    return data, marks


def _yaml_error(exc: yaml.YAMLError, text: str, source: str) -> ScenarioError:
    """PyYAML's multi-line error as one line with the line number."""
    line: int | None = None
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        if mark is not None and exc.context_mark is not None \
                and mark.line + 1 > len(text.splitlines()):
            mark = exc.context_mark  # "unclosed [ at the end": point at the opening bracket
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
    elif isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        what = (f"unacceptable character #x{exc.character:04X}"
                if isinstance(exc.character, int) else str(exc.reason))
    else:
        what = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
    return ScenarioError(f"not valid YAML: {what}", source=source, line=line)


_constructor = _Loader("")  # a constructor for scalars only; holds no document


def _construct(node: yaml.Node, path: Path, marks: dict[Path, int], source: str,
               count: list[int]) -> Any:
    line = node.start_mark.line + 1
    marks[path] = line
    count[0] += 1
    if node.tag not in _PLAIN_TAGS:
        raise ScenarioError(f"the YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is "
                            f"not allowed; write plain values (numbers, text, dates, lists, "
                            f"mappings)", source=source, line=line, path=format_path(path))
    if len(path) > MAX_DEPTH or count[0] > MAX_VALUES:
        raise ScenarioError("nested too deeply or too many values (after expanding aliases); "
                            "not a scenario", source=source, line=line, path=format_path(path))
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        _constructor.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = _construct(key_node, (*path, "<key>"), {}, source, count)
            if not isinstance(key, str | int | float | bool | dt.date):
                raise ScenarioError("mapping keys must be plain names", source=source,
                                    line=key_node.start_mark.line + 1, path=format_path(path))
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                raise ScenarioError(f"key '{key}' appears twice", source=source,
                                    line=key_node.start_mark.line + 1,
                                    path=format_path((*path, key)))
            out[key] = _construct(value_node, (*path, key), marks, source, count)
            marks[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), marks, source, count)
                for i, item in enumerate(node.value)]
    try:
        return _constructor.construct_object(node, deep=True)
    except yaml.YAMLError:
        raise
    except Exception as exc:  # PyYAML's constructors raise plain errors on bad scalars
        what = "date" if str(node.tag).endswith(":timestamp") else "value"
        raise ScenarioError(f"not a valid {what}: {node.value!r} ({exc})", source=source,
                            line=line, path=format_path(path)) from None
