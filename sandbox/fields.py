"""Graph API `fields=` parsing, with nested expansion (`children{id,media_url}`) and
modifiers (`children.limit(5){id}`), as a pure function."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldSpec:
    name: str
    sub: tuple["FieldSpec", ...] | None = None
    params: dict = field(default_factory=dict, hash=False, compare=False)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class FieldSyntaxError(ValueError):
    pass


def parse_fields(text: str) -> list[FieldSpec]:
    specs, position = _parse_list(text.strip(), 0)
    if position != len(text.strip()):
        raise FieldSyntaxError(f"Syntax error \"Expected end of string instead of \"{text.strip()[position:]}\".\"")
    return specs


def _parse_list(text: str, position: int) -> tuple[list[FieldSpec], int]:
    specs: list[FieldSpec] = []
    while position < len(text):
        spec, position = _parse_item(text, position)
        specs.append(spec)
        if position < len(text) and text[position] == ",":
            position += 1
            continue
        break
    return specs, position


def _parse_item(text: str, position: int) -> tuple[FieldSpec, int]:
    position = _skip_spaces(text, position)
    match = _NAME.match(text, position)
    if not match:
        raise FieldSyntaxError(f"Syntax error \"Expected field name at character {position}\"")
    name, position = match.group(0), match.end()
    params: dict = {}
    while position < len(text) and text[position] == ".":
        modifier = _NAME.match(text, position + 1)
        if not modifier or text[modifier.end():modifier.end() + 1] != "(":
            raise FieldSyntaxError(f"Syntax error \"Expected modifier after '.' in {name}\"")
        close = text.find(")", modifier.end())
        if close < 0:
            raise FieldSyntaxError("Syntax error \"Expected ')'\"")
        params[modifier.group(0)] = text[modifier.end() + 1:close]
        position = close + 1
    sub = None
    if position < len(text) and text[position] == "{":
        inner, position = _parse_list(text, position + 1)
        if position >= len(text) or text[position] != "}":
            raise FieldSyntaxError("Syntax error \"Expected '}'\"")
        sub = tuple(inner)
        position += 1
    return FieldSpec(name, sub, params), _skip_spaces(text, position)


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position] == " ":
        position += 1
    return position
