"""CoNLL-2003 NER files (IOB2), written the way Label Studio's CONLL2003 export writes them.

Layout (formats.md §7.1, §8b): a ``-DOCSTART- -X- O`` line, a blank line, then one
``token -X- _ TAG`` line per token and a blank line after every task. Label Studio
writes no blank line after ``-DOCSTART-``; we do, as the original CoNLL-2003
files and most readers (spaCy, NLTK) expect, and every reader accepts both.

Writing: the text is the task-data key read by the ``<Text>`` object the first
``<Labels>`` control targets (or ``options["control"]``). Tokens come from
:func:`labelmate.io.tokenize.tokenize` (``options["tokenizer"]`` may plug in
another). A token is tagged when it *overlaps* a span — the converter's rule — so
a span whose start or end falls inside a token (``Lond`` in ``London``) still tags
the whole token, and a warning says the span will read back wider. Overlapping
spans cannot be expressed in IOB: spans are taken by start, longest first, and one
that overlaps an earlier one is dropped with a warning. A task with several
annotations writes its first; a task with none is not written (unlabelled is not
"no entities").

Reading: each blank-line-separated block is a task (Label Studio's layout); a file
with several ``-DOCSTART-`` lines is a classic CoNLL corpus, and then each
``-DOCSTART-`` section is a task whose sentences become lines. The original
whitespace is *not* in the file, so the text is rebuilt by joining tokens with one
space (sentences with ``\\n``); span offsets refer to that rebuilt text. The last
column is the tag; IOB2 is expected, IOB1 (an ``I-`` that starts an entity) and
BILOU/BIOES prefixes are accepted, with a warning for the IOB1 case.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from labelmate.core.errors import InputError, Location, Problem, Severity
from labelmate.core.regions import Span
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
    implied_text_config,
    span_target,
    task_problem,
    unknown_label_message,
)
from labelmate.io.tokenize import Token, Tokenizer, check_tokens, tokenize

CONLL_FILE = "result.conll"
DOCSTART = "-DOCSTART- -X- O"
_SURROGATE = re.compile("[\ud800-\udfff]")
_REPLACEMENT = "\ufffd"
_TAG = re.compile(r"([BIESLU])-(\S+)\Z")


# -- writing ----------------------------------------------------------------------------------


def write_conll(items: Sequence[ExportItem], ctx: WriteContext) -> WriteResult:
    """Write `result.conll`: one IOB2 document per task with an annotation."""
    problems: list[Problem] = []
    target = span_target(ctx.interface, ctx.options.get("control"))
    if target is None:
        msg = "CoNLL export needs a <Labels> control on a <Text> object; the config has none"
        return WriteResult(files=[], problems=[_error(msg, ctx.interface.source)])
    tokenizer: Tokenizer = ctx.options.get("tokenizer") or tokenize
    lines = [DOCSTART, ""]
    tasks = regions = 0
    for done, item in enumerate(items, start=1):
        doc = _document(item, target, tokenizer, problems)
        if doc is not None:
            tagged, n_spans = doc
            lines.extend(_token_line(tok, tag) for tok, tag in tagged)
            lines.append("")
            tasks += 1
            regions += n_spans
        if ctx.progress:
            ctx.progress(done, len(items))
    with open(ctx.out_dir / CONLL_FILE, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    return WriteResult([Path(CONLL_FILE)], problems, tasks, regions)


def _token_line(token: Token, tag: str) -> str:
    """`token -X- _ TAG`; unpaired surrogates (not storable as UTF-8) become U+FFFD."""
    return f"{_SURROGATE.sub(_REPLACEMENT, token.text)} -X- _ {tag}"


def _error(message: str, file: str) -> Problem:
    return Problem(Severity.ERROR, message, Location(file=file))


def _document(
    item: ExportItem, target: TextTarget, tokenizer: Tokenizer, problems: list[Problem]
) -> tuple[list[tuple[Token, str]], int] | None:
    """The (token, tag) pairs of one task, or None when the task cannot be written."""
    task = item.task
    name = _task_name(item)
    where = Location(file=CONLL_FILE, field=name)

    def warn(message: str, severity: Severity = Severity.WARNING) -> None:
        problems.append(Problem(severity, f"{name}: {message}", where))

    if not item.annotations:
        return None
    if len(item.annotations) > 1:
        warn(f"{len(item.annotations)} annotations; CoNLL holds one per task, wrote the first")
    text = task.data.get(target.data_key)
    if not isinstance(text, str):
        warn(f"no text under data key {target.data_key!r}; task not written")
        return None
    if _SURROGATE.search(text):
        warn("the text holds unpaired UTF-16 surrogates, which UTF-8 cannot store; wrote U+FFFD")
    tokens = tokenizer(text)
    broken = check_tokens(text, tokens)
    if broken:
        warn(f"the tokenizer broke its contract ({broken}); task not written", Severity.ERROR)
        return None
    spans = [r for r in item.annotations[0].regions if isinstance(r, Span)]
    others = sorted({s.control for s in spans if s.control != target.control})
    if others:
        warn(f"spans of {', '.join(others)} not written: CoNLL holds one <Labels> control")
    spans = [s for s in spans if s.control == target.control]
    tags = ["O"] * len(tokens)
    ends = [t.end for t in tokens]
    kept_end = -1
    written = 0
    for span in sorted(spans, key=lambda s: (s.start, s.start - s.end)):
        label = _span_label(span, text, warn)
        if label is None:
            continue
        what = f"span {span.start}..{span.end} {label} {text[span.start : span.end]!r}"
        if span.start < kept_end:
            warn(f"{what} overlaps an earlier span; IOB cannot nest, dropped")
            continue
        first = bisect.bisect_right(ends, span.start)
        hit = [k for k in range(first, len(tokens)) if tokens[k].start < span.end]
        free = [k for k in hit if tags[k] == "O"]
        if not free:
            warn(f"{what} covers no untagged token; dropped")
            continue
        if tokens[hit[0]].start < span.start or tokens[hit[-1]].end > span.end:
            a, b = tokens[free[0]].start, tokens[free[-1]].end
            warn(
                f"{what} is not aligned to token boundaries; tagged the tokens it overlaps, "
                f"so it reads back as {a}..{b} {text[a:b]!r}"
            )
        tags[free[0]] = f"B-{label}"
        for k in free[1:]:
            tags[k] = f"I-{label}"
        kept_end = span.end
        written += 1
    return list(zip(tokens, tags, strict=True)), written


def _span_label(span: Span, text: str, warn: Callable[[str], None]) -> str | None:
    """The one label a CoNLL tag can carry, or None (after a warning) for an unusable span."""
    where = f"span {span.start}..{span.end}"
    if span.end > len(text) or span.start >= span.end:
        warn(f"{where} is empty or outside the text (length {len(text)}); dropped")
        return None
    if not span.labels:
        warn(f"{where} has no label; dropped")
        return None
    if len(span.labels) > 1:
        warn(f"{where} has labels {list(span.labels)}; CoNLL keeps one, wrote {span.labels[0]!r}")
    if span.text is not None and span.text != text[span.start : span.end]:
        warn(f"{where} says {span.text!r} but the text there is {text[span.start : span.end]!r}")
    label = span.labels[0]
    if not label or any(ch.isspace() for ch in label):
        safe = re.sub(r"\s+", "_", label) or "_"
        warn(f"{where} label {label!r} cannot be a CoNLL column; wrote {safe!r}")
        label = safe
    return label


def _task_name(item: ExportItem) -> str:
    task = item.task
    if task.id is None:
        return f"task {task.external_id!r}"
    return f"task {task.id} ({task.external_id})"


# -- reading ----------------------------------------------------------------------------------

_Line = tuple[int, list[str]]  # (1-based line number, columns)


def read_conll(path: Path, ctx: ReadContext) -> ReadResult:
    """Read CoNLL NER (IOB2, IOB1, BILOU; 2 or 4 columns) into one task per document."""
    source = str(path)
    text = read_utf8(path)
    file_problems: list[Problem] = []
    target = span_target(ctx.interface) if ctx.interface else None
    if ctx.interface is not None and target is None:
        file_problems.append(
            Problem(
                Severity.WARNING,
                "the project config has no <Labels> control on a <Text>; spans are kept "
                f"under control {DEFAULT_TARGET.control!r}",
                Location(file=source),
            )
        )
    target = target or DEFAULT_TARGET
    documents = _documents(text.split("\n"))
    lines = [fields for doc in documents for sentence in doc for _, fields in sentence]
    if not any(len(f) > 1 and (f[-1] == "O" or _TAG.match(f[-1])) for f in lines):
        raise InputError(
            "no line ends in an IOB tag (O, B-X, I-X): not a CoNLL NER file",
            Location(file=source, line=1),
        )
    tasks: list[ImportedTask] = []
    labels: list[str] = []
    for index, doc in enumerate(documents):
        task = _read_document(index, source, doc, target, ctx)
        tasks.append(task)
        for ann in task.annotations:
            labels.extend(r.labels[0] for r in ann.regions if r.labels)
        if ctx.progress:
            ctx.progress(index + 1, len(documents))
    config = implied_text_config(labels) if ctx.interface is None else None
    return ReadResult(tasks, file_problems, config)


def _documents(raw_lines: list[str]) -> list[list[list[_Line]]]:
    """Documents → sentences → lines. See the module doc for the two layouts."""
    blocks: list[list[_Line]] = [[]]
    starts_doc: list[bool] = [False]
    docstarts = 0
    for number, raw in enumerate(raw_lines, start=1):
        fields = raw.rstrip("\r").split()
        is_docstart = bool(fields) and fields[0] == "-DOCSTART-"
        if not fields or is_docstart:
            if blocks[-1] or is_docstart:
                blocks.append([])
                starts_doc.append(is_docstart)
            docstarts += is_docstart
            continue
        blocks[-1].append((number, fields))
    if docstarts <= 1:
        return [[block] for block in blocks if block]
    documents: list[list[list[_Line]]] = []
    for block, new_doc in zip(blocks, starts_doc, strict=True):
        if new_doc or not documents:
            documents.append([])
        if block:
            documents[-1].append(block)
    return [doc for doc in documents if doc]


def _read_document(
    index: int, source: str, sentences: list[list[_Line]], target: TextTarget, ctx: ReadContext
) -> ImportedTask:
    task = ImportedTask(index=index, source=source, data={})
    parts: list[str] = []
    spans: list[tuple[str, int, int]] = []
    pos = 0
    for sentence in sentences:
        if parts:
            parts.append("\n")
            pos += 1
        entity: tuple[str, int] | None = None  # (label, start) of the entity being read
        prev_end = pos
        for number, fields in sentence:
            if len(fields) < 2:
                msg = f"expected 'token ... TAG' columns, got {' '.join(fields)!r}; line skipped"
                task_problem(task, msg, number)
                continue
            token, tag = fields[0], fields[-1]
            if pos > 0 and parts[-1] != "\n":
                parts.append(" ")
                pos += 1
            start, pos = pos, pos + len(token)
            parts.append(token)
            prefix, label = _parse_tag(tag, task, number)
            continues = prefix in "IEL" and entity is not None and entity[0] == label
            if not continues:
                if entity is not None:
                    spans.append((*entity, prev_end))
                    entity = None
                if label is not None:
                    if prefix in "IEL":
                        msg = f"{tag} does not continue an entity (IOB1?); read as B-{label}"
                        task_problem(task, msg, number)
                    entity = (label, start)
            if prefix in "ESLU" and entity is not None:
                spans.append((*entity, pos))
                entity = None
            prev_end = pos
        if entity is not None:
            spans.append((*entity, prev_end))
    text = "".join(parts)
    if not text:
        task.refuse("no valid token lines in this document")
        return task
    regions = [
        Span(
            control=target.control,
            target=target.object,
            labels=(label,),
            start=start,
            end=end,
            text=text[start:end],
        )
        for label, start, end in spans
    ]
    for label in dict.fromkeys(label for label, _, _ in spans):
        unknown = unknown_label_message(ctx.interface, target.control, label)
        if unknown:
            task.warn(unknown)
    task.data = {target.data_key: text}
    task.annotations.append(ImportedAnnotation(regions=list(regions)))
    return task


def _parse_tag(tag: str, task: ImportedTask, line: int) -> tuple[str, str | None]:
    """("O", None) or (prefix, label); an unreadable tag is reported and read as O."""
    if tag == "O":
        return "O", None
    m = _TAG.match(tag)
    if m is None:
        task_problem(task, f"tag {tag!r} is not O, B-X or I-X; read as O", line)
        return "O", None
    return m.group(1), m.group(2)
