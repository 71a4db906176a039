"""doccano JSONL: one JSON object per line, one line per task (formats.md §7.2).

Which shape ``label`` takes depends on the control exported, because doccano has
one project type per shape:

* a ``<Labels>`` control (sequence labeling): ``"label": [[start, end, "PER"], …]``,
  code-point offsets, end-exclusive, sorted by start then end — exactly
  ``text[start:end]`` in Python;
* a ``<Choices>`` control (text classification): ``"label": ["Positive", …]``.

The writer exports the control named by ``options["control"]``, else the first
``<Labels>`` on a ``<Text>``, else the first ``<Choices>``; other results of the
task are reported, not silently lost. Each line is ``{"id", "text", "label"}``
(``id`` = the task id, or its external id before it is stored), UTF-8, with
``ensure_ascii=False`` so text stays readable; U+2028, U+2029 and U+0085 are
escaped anyway because line-splitting tools treat them as line ends. A task with
no annotation is not written; with several, the first is.

The reader accepts current doccano (``label``), pre-1.0 doccano (``labels``; text
under ``text`` or ``data``) and the relation-extraction export (``entities`` with
``start_offset``/``end_offset``; its ``relations`` are reported and dropped). A
label list may mix span triples and class names. Keys we do not model (``meta``,
``comments``…) stay in the task data. A line that is not JSON stops the import
with its line number; a line that is JSON but not a usable item is a per-task
problem. An empty label list imports the text without an annotation, since doccano
writes the same ``[]`` for "not labelled yet" and "nothing to label".
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from labelmate.core.errors import InputError, Location, Problem, Severity
from labelmate.core.labeling_interface import LabelingInterface
from labelmate.core.regions import Choices, Region, Span
from labelmate.io.interchange import (
    ExportItem,
    ImportedAnnotation,
    ImportedTask,
    ReadContext,
    ReadResult,
    WriteContext,
    WriteResult,
)
from labelmate.io.text_files import read_utf8
from labelmate.io.text_targets import (
    DEFAULT_TARGET,
    TextTarget,
    control_target,
    implied_text_config,
    span_target,
    task_problem,
    text_data_key,
    unknown_label_message,
)

JSONL_FILE = "result.jsonl"
# The name implied_text_config gives a Choices control when the project has no config.
DEFAULT_CHOICE_TARGET = TextTarget(control="category", object="text", data_key="text")
_LINE_BREAKS_JSON_KEEPS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_MODELLED_KEYS = frozenset({"id", "text", "label", "labels", "entities", "relations"})


# -- writing ----------------------------------------------------------------------------------


def write_jsonl(items: Sequence[ExportItem], ctx: WriteContext) -> WriteResult:
    """Write `result.jsonl`, one doccano object per task with an annotation."""
    name = ctx.options.get("control")
    target = span_target(ctx.interface, name)
    spans = target is not None
    target = target or control_target(ctx.interface, "choices", name)
    if target is None:
        what = f"a control named {name!r}" if name else "a <Labels> or <Choices> control"
        msg = f"doccano export needs {what} on a <Text> object; the config has none"
        where = Location(file=ctx.interface.source)
        return WriteResult(files=[], problems=[Problem(Severity.ERROR, msg, where)])
    problems: list[Problem] = []
    lines: list[str] = []
    tasks = regions = 0
    for done, item in enumerate(items, start=1):
        record = _record(item, target, spans, problems)
        if record is not None:
            obj, n_regions = record
            lines.append(_dumps(obj))
            tasks += 1
            regions += n_regions
        if ctx.progress:
            ctx.progress(done, len(items))
    with open(ctx.out_dir / JSONL_FILE, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(line + "\n" for line in lines)
    return WriteResult([Path(JSONL_FILE)], problems, tasks, regions)


def _dumps(obj: dict[str, Any]) -> str:
    line = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    if _SURROGATE.search(line):  # unpaired UTF-16 halves cannot be UTF-8: escape them all
        return json.dumps(obj, ensure_ascii=True, allow_nan=False)
    for raw, escaped in _LINE_BREAKS_JSON_KEEPS.items():
        line = line.replace(raw, escaped)  # only possible inside strings, so this is safe
    return line


def _record(
    item: ExportItem, target: TextTarget, spans: bool, problems: list[Problem]
) -> tuple[dict[str, Any], int] | None:
    task = item.task
    name = (
        f"task {task.external_id!r}" if task.id is None else f"task {task.id} ({task.external_id})"
    )
    where = Location(file=JSONL_FILE, field=name)

    def warn(message: str) -> None:
        problems.append(Problem(Severity.WARNING, f"{name}: {message}", where))

    if not item.annotations:
        return None
    if len(item.annotations) > 1:
        warn(f"{len(item.annotations)} annotations; doccano holds one per task, wrote the first")
    text = task.data.get(target.data_key)
    if not isinstance(text, str):
        warn(f"no text under data key {target.data_key!r}; task not written")
        return None
    mine = [r for r in item.annotations[0].regions if r.control == target.control]
    left_out = sorted({r.control for r in item.annotations[0].regions} - {target.control})
    if left_out:
        warn(f"results of {', '.join(left_out)} not written: the export holds {target.control}")
    label: list[Any] = _triples(mine, text, warn) if spans else _classes(mine)
    record = {
        "id": task.external_id,  # re-importing finds the same task again
        "text": text,
        "label": label,
    }
    return record, len(label) if spans else len([r for r in mine if isinstance(r, Choices)])


def _triples(regions: list[Region], text: str, warn: Callable[[str], None]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for span in regions:
        if not isinstance(span, Span):
            continue
        where = f"span {span.start}..{span.end}"
        if span.end > len(text) or span.start >= span.end or not span.labels:
            warn(f"{where} is empty, unlabelled or outside the text (length {len(text)}); dropped")
            continue
        if len(span.labels) > 1:
            warn(f"{where} has labels {list(span.labels)}; doccano keeps one, wrote the first")
        out.append([span.start, span.end, span.labels[0]])
    return sorted(out, key=lambda t: (t[0], t[1], t[2]))


def _classes(regions: list[Region]) -> list[str]:
    chosen = (label for r in regions if isinstance(r, Choices) for label in r.labels)
    return list(dict.fromkeys(chosen))


# -- reading ----------------------------------------------------------------------------------


def read_jsonl(path: Path, ctx: ReadContext) -> ReadResult:
    """Read doccano JSONL (sequence labeling, classification, relation extraction)."""
    source = str(path)
    content = read_utf8(path)
    iface = ctx.interface
    span_t = span_target(iface) if iface else None
    choice_t = control_target(iface, "choices") if iface else None
    key = (span_t or choice_t).data_key if (span_t or choice_t) else text_data_key(iface)
    reader = _Reader(
        source,
        iface,
        span_t or TextTarget(DEFAULT_TARGET.control, DEFAULT_TARGET.object, key),
        choice_t or TextTarget(DEFAULT_CHOICE_TARGET.control, DEFAULT_CHOICE_TARGET.object, key),
        key,
    )
    raw_lines = content.split("\n")
    for number, raw in enumerate(raw_lines, start=1):
        if raw.strip():
            reader.line(number, raw)
        if ctx.progress:
            ctx.progress(number, len(raw_lines))
    if not reader.tasks:
        raise InputError("no JSON lines found: the file is empty", Location(file=source, line=1))
    problems: list[Problem] = []
    if iface is not None:
        for found, control, kind in (
            (reader.span_labels, span_t, "Labels"),
            (reader.classes, choice_t, "Choices"),
        ):
            if found and control is None:
                msg = f"the file has {kind.lower()} but the config has no <{kind}> on a <Text>"
                problems.append(Problem(Severity.WARNING, msg, Location(file=source)))
    config = None
    if iface is None:
        config = implied_text_config(reader.span_labels, reader.classes, reader.multi_class)
    return ReadResult(reader.tasks, problems, config)


class _Reader:
    """Turns JSON lines into ImportedTasks, collecting labels for an implied config."""

    def __init__(
        self,
        source: str,
        interface: LabelingInterface | None,
        span_t: TextTarget,
        choice_t: TextTarget,
        key: str,
    ) -> None:
        self.source, self.interface, self.key = source, interface, key
        self.span_t, self.choice_t = span_t, choice_t
        self.tasks: list[ImportedTask] = []
        self.span_labels: list[str] = []
        self.classes: list[str] = []
        self.multi_class = False

    def line(self, number: int, raw: str) -> None:
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            hint = " (this looks like a JSON array; doccano JSONL has one object per line)"
            hint = hint if number == 1 and raw.lstrip().startswith("[") else ""
            raise InputError(
                f"line {number} is not valid JSON: {exc.msg}{hint}",
                Location(file=self.source, line=number, column=exc.colno),
            ) from None
        except RecursionError:
            raise InputError(
                f"line {number} nests too deeply to read", Location(file=self.source, line=number)
            ) from None
        task = ImportedTask(index=len(self.tasks), source=self.source, data={})
        self.tasks.append(task)
        if not isinstance(obj, dict):
            task_problem(task, f"expected a JSON object, got {_kind(obj)}", number, Severity.ERROR)
            return
        self._fill(task, obj, number)

    def _fill(self, task: ImportedTask, obj: dict[str, Any], number: int) -> None:
        text_key = "text" if "text" in obj or "data" not in obj else "data"
        text = obj.get(text_key)
        if not isinstance(text, str):
            msg = f'"{text_key}" must be a string, got {_kind(text)}'
            task_problem(task, msg, number, Severity.ERROR)
            return
        ext = obj.get("id")
        if isinstance(ext, (str, int)) and not isinstance(ext, bool) and str(ext):
            task.external_id = str(ext)
        elif ext is not None:
            task_problem(task, f'"id" must be a string or an integer, got {_kind(ext)}', number)
        extra = {k: v for k, v in obj.items() if k not in _MODELLED_KEYS and k != text_key}
        task.data = {**extra, self.key: text}
        if "relations" in obj:
            task_problem(task, '"relations" are not imported (no relation regions yet)', number)
        items = self._label_items(task, obj, number)
        regions: list[Region] = []
        chosen: list[str] = []
        for i, item in enumerate(items):
            if isinstance(item, str) and item:
                chosen.append(item)
                continue
            span = self._span(task, item, text, number, i)
            if span is not None:
                regions.append(span)
        if chosen:
            chosen = list(dict.fromkeys(chosen))
            regions.append(
                Choices(
                    control=self.choice_t.control, target=self.choice_t.object, labels=tuple(chosen)
                )
            )
            self.classes.extend(chosen)
            self.multi_class |= len(chosen) > 1
        for region in regions:
            for label in region.labels:
                unknown = unknown_label_message(self.interface, region.control, label)
                if unknown:
                    task_problem(task, unknown, number)
        if regions:
            task.annotations.append(ImportedAnnotation(regions=regions))

    def _label_items(self, task: ImportedTask, obj: dict[str, Any], number: int) -> list[Any]:
        keys = [k for k in ("label", "labels", "entities") if k in obj]
        if len(keys) > 1:
            task_problem(task, f"both {' and '.join(keys)}; read {keys[0]!r} only", number)
        if not keys:
            return []
        value = obj[keys[0]]
        if not isinstance(value, list):
            task_problem(task, f'"{keys[0]}" must be a list, got {_kind(value)}; ignored', number)
            return []
        return value

    def _span(self, task: ImportedTask, item: Any, text: str, number: int, i: int) -> Span | None:
        def drop(why: str) -> None:
            task_problem(task, f"label item {i + 1} {_short(item)}: {why}; dropped", number)

        if isinstance(item, dict):
            item = [item.get("start_offset"), item.get("end_offset"), item.get("label")]
        if not isinstance(item, list) or len(item) != 3:
            drop("expected [start, end, label] or a class name")
            return None
        start, end, label = (_offset(item[0]), _offset(item[1]), item[2])
        if start is None or end is None:
            drop("offsets must be whole numbers")
        elif not isinstance(label, str) or not label:
            drop("the label must be a non-empty string")
        elif not 0 <= start < end <= len(text):
            drop(f"offsets must satisfy 0 <= start < end <= {len(text)} (the text length)")
        else:
            self.span_labels.append(label)
            return Span(
                control=self.span_t.control,
                target=self.span_t.object,
                labels=(label,),
                start=start,
                end=end,
                text=text[start:end],
            )
        return None


def _offset(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _short(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (RecursionError, ValueError):
        text = f"<{_kind(value)}>"
    return text if len(text) <= 60 else text[:57] + "..."
