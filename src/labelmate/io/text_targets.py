"""Where text results live in a config, and small helpers the text formats share.

CoNLL and doccano JSONL both read and write text spans (and doccano classes), so
both need the same answers: which control, which object, which data key; what to
say about an unknown label; which config to imply for a new project.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from labelmate.core.errors import Location, Problem, Severity
from labelmate.core.labeling_interface import LabelingInterface
from labelmate.io.interchange import ImportedTask


@dataclass(frozen=True, slots=True)
class TextTarget:
    """Where text results live: the control that makes them, its object, the data key."""

    control: str
    object: str
    data_key: str


# Used when there is no config to ask (an import into a new project).
DEFAULT_TARGET = TextTarget(control="label", object="text", data_key="text")


def control_target(
    interface: LabelingInterface, control_type: str, control_name: str | None = None
) -> TextTarget | None:
    """The first control of `control_type` (or the one named) that targets a known object."""
    for control in interface.controls:
        if control.type != control_type or (control_name and control.name != control_name):
            continue
        obj = interface.object(control.to_names[0]) if control.to_names else None
        if obj is not None:
            return TextTarget(control.name, obj.name, obj.data_key or text_data_key(interface))
    return None


def span_target(interface: LabelingInterface, control_name: str | None = None) -> TextTarget | None:
    """The `<Labels>` control that text spans belong to (the converter uses the first)."""
    return control_target(interface, "labels", control_name)


def text_data_key(interface: LabelingInterface | None) -> str:
    """The data key of the config's first `<Text>` object, or "text"."""
    if interface is not None:
        for obj in interface.objects:
            if obj.tag.lower() == "text" and obj.data_key:
                return obj.data_key
    return "text"


def unknown_label_message(
    interface: LabelingInterface | None, control_name: str, label: str
) -> str | None:
    """A warning when `label` is not an option of the control (None when it is, or unknown)."""
    control = interface.control(control_name) if interface else None
    if control is None or not control.options or control.option(label) is not None:
        return None
    known = ", ".join(o.result_value for o in control.options)
    return f"label {label!r} is not in {control.ref} (known: {known})"


def implied_text_config(
    span_labels: Iterable[str], choice_labels: Iterable[str] = (), multiple: bool = False
) -> str:
    """A labeling config for imported text when the project has none yet.

    Labels appear in the order first seen, so the generated config lists them as
    the file did.
    """
    spans = list(dict.fromkeys(span_labels))
    choices = list(dict.fromkeys(choice_labels))
    lines = ["<View>"]
    if spans or not choices:
        lines.append('  <Labels name="label" toName="text">')
        lines += [f"    <Label value={quoteattr(v)}/>" for v in spans]
        lines.append("  </Labels>")
    lines.append('  <Text name="text" value="$text"/>')
    if choices:
        mode = "multiple" if multiple else "single"
        lines.append(f'  <Choices name="category" toName="text" choice="{mode}">')
        lines += [f"    <Choice value={quoteattr(v)}/>" for v in choices]
        lines.append("  </Choices>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def task_problem(
    task: ImportedTask, message: str, line: int, severity: Severity = Severity.WARNING
) -> None:
    """A per-task problem that also names the line of the file it came from."""
    where = task.where()
    task.problems.append(Problem(severity, message, Location(where.file, line, None, where.field)))
    if severity is Severity.ERROR:
        task.refused = True
