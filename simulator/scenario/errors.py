"""A scenario that cannot be used, said in one line: ``file:line: field.path: message``.

:func:`from_pydantic` turns pydantic's first validation error into that line: the path as it is
in the data (union tags dropped), the YAML line of the field, and what is allowed.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any, Union

from pydantic import BaseModel, ValidationError

Path = tuple[str | int, ...]
LineMarks = Mapping[Path, int]


class ScenarioError(Exception):
    """A scenario that cannot be used; ``str()`` is one line: ``file:line: field.path: message``."""

    def __init__(self, message: str, *, source: str = "<scenario>", line: int | None = None,
                 path: str = "") -> None:
        self.message = message
        self.source = source
        self.line = line
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        field = f" {self.path}:" if self.path else ""
        # one line whatever the input: control characters and line breaks are shown escaped
        return "".join(ch if ch.isprintable() else repr(ch)[1:-1]
                       for ch in f"{where}:{field} {self.message}")



def format_path(path: Path) -> str:
    """('stages', 2, 'steps', 0, 'role') → 'stages[2].steps[0].role'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out



def line_for(path: Path, marks: LineMarks) -> int | None:
    for n in range(len(path), -1, -1):
        if path[:n] in marks:
            return marks[path[:n]]
    return None


def kind_of(value: Any) -> str:
    """How a document that is not a mapping is described: "a list", "a string", ..."""
    return {list: "a list", str: "a string", type(None): "an empty document"}.get(
        type(value), type(value).__name__)


def _data_path(loc: tuple[int | str, ...], data: Any) -> Path:
    """Keep the parts of a pydantic location that exist in the data (drops union tags)."""
    path: list[str | int] = []
    node = data
    for part in _plain_loc(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
        elif part in ("one", "by_segment") or (
                isinstance(node, dict) and part in _UNION_TAGS and node.get("dist") == part):
            continue  # a union member's name, not a key: stay on this node
        elif isinstance(node, dict | list):
            # a missing or unknown key: name it, then stop walking
            if isinstance(part, str) and part not in _UNION_TAGS:
                path.append(part)
            node = None
    return tuple(path)



def from_pydantic(exc: ValidationError, data: Any, source: str, marks: LineMarks,
                  model: type[BaseModel]) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    loc = tuple(err["loc"])
    path = _data_path(loc, data)
    kind = err["type"]
    if kind == "union_tag_invalid":
        path = (*path, "dist")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        message = f"unknown key '{loc[-1]}'; allowed: {', '.join(allowed)}"
    elif kind == "missing":
        message = f"missing required field '{loc[-1]}'"
    else:
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        given = err.get("input")
        if kind != "union_tag_invalid" and "(got " not in message \
                and isinstance(given, str | int | float | bool):
            shown = repr(given)
            message += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return ScenarioError(message, source=source, line=line_for(path, marks),
                         path=format_path(path))


def _allowed_keys(model: Any, loc: tuple[int | str, ...]) -> list[str]:
    """The keys a mapping at ``loc`` (relative to ``model``) may hold, by walking the types."""
    annotation: Any = model
    for part in _plain_loc(loc):
        annotation = _step_into(annotation, part)
        if annotation is None:
            return []
    model_cls = _as_model(annotation, None)
    if model_cls is None:
        return []
    return [f.alias or name for name, f in model_cls.model_fields.items()]


def _plain_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Drop pydantic's names of union members and validators ('function-before[...]')."""
    return tuple(p for p in loc if not (isinstance(p, str) and "[" in p))


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _as_model(annotation: Any, tag: str | int | None) -> Any:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (Union, types.UnionType):
        members = [_unwrap(a) for a in typing.get_args(annotation)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        for m in models:
            dist = m.model_fields.get("dist")
            if tag is not None and dist is not None and dist.default == tag:
                return m
        return models[0] if len(models) == 1 else None
    return None


def _step_into(annotation: Any, part: int | str) -> Any:
    """The type of ``part`` inside ``annotation`` (a field, an item, a value), None if none."""
    annotation = _unwrap(annotation)
    model = _as_model(annotation, None)
    if model is not None:
        field = next((f for n, f in model.model_fields.items() if part in (n, f.alias)), None)
        return None if field is None else field.annotation
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        return _step_into_union(annotation, part)
    if origin in (tuple, list):
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    return None


def _step_into_union(annotation: Any, part: int | str) -> Any:
    if isinstance(part, str) and part in _UNION_TAGS:
        return _as_model(annotation, part)
    for member in typing.get_args(annotation):
        inner = _step_into(member, part)
        if inner is not None:
            return inner
    return None


_UNION_TAGS = frozenset({"one", "by_segment", "fixed", "exponential", "lognormal", "triangular",
                         "uniform", "empirical"})
