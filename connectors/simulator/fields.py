"""A parser for Graph API field expansion: ``id,comments.limit(5){id,from{name}}``."""

from __future__ import annotations

from dataclasses import dataclass, field


class FieldSyntaxError(ValueError):
    """The ``fields`` parameter does not parse."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    modifiers: dict[str, str] = field(default_factory=dict)
    sub: tuple[FieldSpec, ...] | None = None

    def __str__(self) -> str:
        mods = "".join(f".{k}({v})" for k, v in self.modifiers.items())
        inner = "{" + unparse(self.sub) + "}" if self.sub is not None else ""
        return f"{self.name}{mods}{inner}"


def unparse(specs: tuple[FieldSpec, ...]) -> str:
    return ",".join(str(s) for s in specs)


def parse_fields(text: str) -> tuple[FieldSpec, ...]:
    specs, pos = _parse_list(text.replace(" ", ""), 0)
    if pos != len(text.replace(" ", "")):
        raise FieldSyntaxError(f"Syntax error near position {pos} of fields")
    return specs


def _name(text: str, pos: int) -> tuple[str, int]:
    start = pos
    while pos < len(text) and (text[pos].isalnum() or text[pos] == "_"):
        pos += 1
    if pos == start:
        raise FieldSyntaxError(f'Syntax error "Expected a field name" at character {pos}')
    return text[start:pos], pos


def _parse_list(text: str, pos: int) -> tuple[tuple[FieldSpec, ...], int]:
    specs: list[FieldSpec] = []
    while True:
        spec, pos = _parse_field(text, pos)
        specs.append(spec)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        return tuple(specs), pos


def _parse_field(text: str, pos: int) -> tuple[FieldSpec, int]:
    name, pos = _name(text, pos)
    modifiers: dict[str, str] = {}
    while pos < len(text) and text[pos] == ".":
        key, pos = _name(text, pos + 1)
        if pos >= len(text) or text[pos] != "(":
            raise FieldSyntaxError(f'Syntax error "Expected (" at character {pos}')
        end = text.find(")", pos)
        if end < 0:
            raise FieldSyntaxError(f'Syntax error "Expected )" at character {pos}')
        modifiers[key] = text[pos + 1 : end]
        pos = end + 1
    sub = None
    if pos < len(text) and text[pos] == "{":
        sub, pos = _parse_list(text, pos + 1)
        if pos >= len(text) or text[pos] != "}":
            raise FieldSyntaxError(f'Syntax error "Expected }}" at character {pos}')
        pos += 1
    return FieldSpec(name, modifiers, sub), pos
