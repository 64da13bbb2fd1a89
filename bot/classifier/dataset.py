"""Labelled comment CSVs (the format of ``LABELS.md``) and the fixed train/holdout split.

A source is ``PATH[:PART][:max=N][:weight=W]``:

- ``PART`` is ``all`` (default), ``train`` or ``holdout``. Within each label, in file order,
  every third row (the 3rd, 6th, 9th, ...) is ``holdout`` and the rest ``train``: fixed,
  stratified and independent of any random seed, so a figure quoted on the holdout can be
  reproduced from the file alone.
- ``max=N`` keeps at most N rows of the part, evenly spread over the file.
- ``weight=W`` is the sample weight in training (default 1).
- ``only=LABEL`` makes the source speak to one label alone: a row with that label is an
  example of it; any other row says only "not LABEL". Public data sets are like that: the
  TubeSpam rows that are not spam may be praise, abuse or chatter, so they teach the model
  what is not spam and nothing more.
- ``calibration`` or ``fit`` picks the fixed calibration split (about 15% of the rows, chosen
  by a hash of the text, so the split survives reordering and additions) or the rest.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.labels import Label

_LOGGER = logging.getLogger(__name__)
_PARTS = ("all", "train", "holdout", "calibration", "fit")
CALIBRATION_PERCENT = 15


class DatasetError(Exception):
    """A source cannot be used at all: missing file, no ``text``/``label`` header, bad spec."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: Label
    line: int
    weight: float = 1.0
    only: Label | None = None

    @property
    def partial(self) -> bool:
        """True when the row says only that the text is not ``only``."""
        return self.only is not None and self.label is not self.only


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    part: str = "all"
    limit: int | None = None
    weight: float = 1.0
    only: Label | None = None

    @classmethod
    def parse(cls, spec: str) -> Source:
        """Parse ``PATH[:PART][:max=N][:weight=W]``; a colon inside the path itself is kept."""
        pieces = spec.split(":")
        path_pieces: list[str] = []
        part, limit, weight = "all", None, 1.0
        only: Label | None = None
        for index, piece in enumerate(pieces):
            if index and piece in _PARTS:
                part = piece
            elif index and piece.startswith("max="):
                limit = int(_number(spec, piece, int))
            elif index and piece.startswith("weight="):
                weight = float(_number(spec, piece, float))
            elif index and piece.startswith("only="):
                try:
                    only = Label(piece.split("=", 1)[1])
                except ValueError as exc:
                    raise DatasetError(f"{spec}: {piece} names no label") from exc
            else:
                path_pieces.append(piece)
        if (limit is not None and limit < 1) or weight <= 0:
            raise DatasetError(f"{spec}: max must be at least 1 and weight above 0")
        return cls(Path(":".join(path_pieces)), part, limit, float(weight), only)


def _number(spec: str, piece: str, kind: type[int] | type[float]) -> int | float:
    try:
        return kind(piece.split("=", 1)[1])
    except ValueError as exc:
        raise DatasetError(f"{spec}: {piece} is not a number") from exc


@dataclass
class LoadResult:
    """The usable rows of a source and one message per row that was skipped."""

    examples: list[Example] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_labelled(source: Source) -> LoadResult:
    """Read one source; malformed rows are reported with their line number and skipped."""
    result = LoadResult()
    try:
        handle = source.path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DatasetError(f"{source.path}: {exc.strerror or exc}") from exc
    rows: list[Example] = []
    with handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"text", "label"} <= set(reader.fieldnames):
            raise DatasetError(f"{source.path}: the header must name the columns text and label")
        try:
            for row in reader:
                line = reader.line_num
                text = (row.get("text") or "").strip()
                raw_label = (row.get("label") or "").strip()
                try:
                    label = Label(raw_label)
                except ValueError:
                    result.problems.append(f"{source.path}:{line}: unknown label {raw_label!r}")
                    continue
                if not text:
                    result.problems.append(f"{source.path}:{line}: empty text")
                    continue
                rows.append(Example(text, label, line, source.weight, source.only))
        except (csv.Error, UnicodeDecodeError) as exc:
            result.problems.append(f"{source.path}:{reader.line_num}: unreadable CSV: {exc}")
    result.examples = _select(rows, source)
    return result


def in_calibration(text: str) -> bool:
    """The fixed calibration split: decided by the text alone, about 15% of rows."""
    digest = hashlib.sha256(text.strip().encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < CALIBRATION_PERCENT


def _select(rows: list[Example], source: Source) -> list[Example]:
    if source.part in ("calibration", "fit"):
        wanted = source.part == "calibration"
        rows = [example for example in rows if in_calibration(example.text) == wanted]
    elif source.part != "all":
        seen: Counter[Label] = Counter()
        chosen = []
        for example in rows:
            is_holdout = seen[example.label] % 3 == 2
            seen[example.label] += 1
            if is_holdout == (source.part == "holdout"):
                chosen.append(example)
        rows = chosen
    if source.limit is not None and len(rows) > source.limit:
        step = len(rows) / source.limit
        rows = [rows[int(index * step)] for index in range(source.limit)]
    return rows


def read_sources(specs: list[str]) -> LoadResult:
    """All sources together; problems of every source are kept in order."""
    total = LoadResult()
    for spec in specs:
        part = read_labelled(Source.parse(spec))
        total.examples.extend(part.examples)
        total.problems.extend(part.problems)
        _LOGGER.info("%s: %d rows, %d skipped", spec, len(part.examples), len(part.problems))
    return total
