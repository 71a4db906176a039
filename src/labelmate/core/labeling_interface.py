"""The labeling interface: what a Label Studio labeling config asks annotators to do.

A config is untrusted XML written by a project owner; `parse_labeling_config`
(implemented in :mod:`labelmate.core.config_parser`) turns it into the frozen
models below and *collects* what is wrong instead of stopping at the first
mistake, so the user can fix every problem in one pass. Only problems that leave
nothing to work with (bad XML, a root that is not ``<View>``) raise
:class:`ConfigError` straight away.

The models keep the config's line numbers so every later message — a task that
lacks a ``$variable``, an annotation naming an unknown control — can point at the
line the user must edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from labelmate.core.errors import ConfigError, Location, Problem, Severity

# Distinct colours for labels whose config gives no (usable) `background`.
PALETTE = (
    "#E53935",
    "#1E88E5",
    "#43A047",
    "#FB8C00",
    "#8E24AA",
    "#00ACC1",
    "#FDD835",
    "#6D4C41",
    "#D81B60",
    "#3949AB",
)


def palette_colours(colours: Mapping[str, Mapping[str, object]]) -> dict[tuple[str, str], str]:
    """(control, value) → a palette colour, numbered over every control's options in
    config order (`colours` as `LabelingInterface.label_colours` gives it), so a label
    has the same colour on the canvas, the text screen, the agreement view and in
    portfolio thumbnails."""
    out: dict[tuple[str, str], str] = {}
    for control, options in colours.items():
        for value in options:
            out[(control, value)] = PALETTE[len(out) % len(PALETTE)]
    return out


def palette_colour_for(key: str) -> str:
    """A stable palette colour for a label the config does not list."""
    return PALETTE[sum(map(ord, key)) % len(PALETTE)]


ChoiceMode = Literal["single", "single-radio", "multiple"]

# Result type (the lower-case tag) → the region model name in labelmate.core.regions.
REGION_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "rectanglelabels": "box",
        "rectangle": "box",
        "polygonlabels": "polygon",
        "polygon": "polygon",
        "keypointlabels": "keypoint",
        "keypoint": "keypoint",
        "labels": "span",
        "choices": "choices",
        "textarea": "text",
        "rating": "rating",
    }
)
# Controls that draw regions on an image and therefore need an <Image> target.
IMAGE_CONTROL_TYPES = frozenset(
    {"rectanglelabels", "rectangle", "polygonlabels", "polygon", "keypointlabels", "keypoint"}
)
# Controls whose options are <Label> / <Choice> children (or dynamic `value="$..."`).
LABEL_CONTROL_TYPES = frozenset({"rectanglelabels", "polygonlabels", "keypointlabels", "labels"})
CHOICE_CONTROL_TYPES = frozenset({"choices"})

_AUTO_HOTKEYS = tuple("123456789")


def tag_ref(tag: str, attr: str, value: str | None) -> str:
    """How messages name an element: `<Image name="image">`, as the user wrote it."""
    return f'<{tag} {attr}="{value}">' if value else f"<{tag}>"


def data_key_of(value: str | None) -> str | None:
    """The task-data key a `$variable` reads: `$item.url` → "item", `$imgs[0]` → "imgs".

    Label Studio resolves dotted paths and indexes inside the value; only the
    top-level key can be checked before the data is opened, so that is what we keep.
    A value without a leading `$` is a literal and reads no data.
    """
    if not value or not value.startswith("$"):
        return None
    path = value[1:]
    for i, ch in enumerate(path):
        if ch in ".[":
            path = path[:i]
            break
    return path.strip() or None


@dataclass(frozen=True, slots=True)
class ObjectTag:
    """A tag that shows task data (`Image`, `Text`, `HyperText`); controls target it by name."""

    tag: str
    name: str
    value: str
    data_key: str | None
    line: int
    column: int = 1
    attrs: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def ref(self) -> str:
        return f'<{self.tag} name="{self.name}" value="{self.value}">'


@dataclass(frozen=True, slots=True)
class HeaderTag:
    """A `<Header>`: display text, optionally read from task data (`value="$title"`)."""

    value: str
    data_key: str | None
    line: int
    column: int = 1
    attrs: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class LabelOption:
    """One `<Label>` or `<Choice>`.

    `background` stays None when the config gives none, so the GUI can pick a
    palette colour that differs from its neighbours rather than LS's single green.
    """

    value: str
    alias: str | None = None
    hotkey: str | None = None
    background: str | None = None
    max_usages: int | None = None
    category: int | None = None
    model_index: int | None = None
    selected: bool = False
    hint: str | None = None
    granularity: str | None = None
    line: int = 0
    column: int = 1
    attrs: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def result_value(self) -> str:
        """What results store: the alias when there is one (LS `selectedValues()`)."""
        return self.alias if self.alias else self.value


@dataclass(frozen=True, slots=True)
class ControlTag:
    """A tag that creates results (`RectangleLabels`, `Choices`, `TextArea`, …)."""

    tag: str
    name: str
    to_names: tuple[str, ...] = ()
    options: tuple[LabelOption, ...] = ()
    choice: ChoiceMode = "single"
    required: bool = False
    required_message: str | None = None
    max_usages: int | None = None
    show_inline: bool = True
    per_region: bool = False
    max_rating: int | None = None
    placeholder: str | None = None
    rows: int | None = None
    value: str | None = None  # dynamic options (`$opts`) or a TextArea prefill
    line: int = 0
    column: int = 1
    attrs: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def type(self) -> str:
        """The result `type` Label Studio writes: the tag name in lower case."""
        return self.tag.lower()

    @property
    def region_type(self) -> str:
        """The region model (`labelmate.core.regions`) this control produces."""
        return REGION_TYPES[self.type]

    @property
    def is_image_control(self) -> bool:
        """True for the drawing tools that need an `<Image>` target."""
        return self.type in IMAGE_CONTROL_TYPES

    @property
    def options_data_key(self) -> str | None:
        """For `Labels`/`Choices value="$opts"`: the task-data key the options come from."""
        if self.type in LABEL_CONTROL_TYPES | CHOICE_CONTROL_TYPES:
            return data_key_of(self.value)
        return None

    @property
    def ref(self) -> str:
        return tag_ref(self.tag, "name", self.name)

    def option(self, result_value: str) -> LabelOption | None:
        return next((o for o in self.options if o.result_value == result_value), None)


@dataclass(frozen=True, slots=True)
class LabelingInterface:
    """A parsed config: its objects, controls, headers and every problem found.

    Lookups return the *first* tag of a name; a duplicate name is reported as an
    error, so a config with problems must not be used for labeling
    (`raise_for_errors`).
    """

    objects: tuple[ObjectTag, ...] = ()
    controls: tuple[ControlTag, ...] = ()
    headers: tuple[HeaderTag, ...] = ()
    problems: tuple[Problem, ...] = ()
    source: str = "<config>"

    # -- lookups -------------------------------------------------------------------------------

    def control(self, name: str) -> ControlTag | None:
        return next((c for c in self.controls if c.name == name), None)

    def object(self, name: str) -> ObjectTag | None:
        return next((o for o in self.objects if o.name == name), None)

    def controls_for(self, object_name: str) -> tuple[ControlTag, ...]:
        """The controls whose `toName` includes `object_name`, in config order."""
        return tuple(c for c in self.controls if object_name in c.to_names)

    # -- problems ------------------------------------------------------------------------------

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)

    def raise_for_errors(self) -> None:
        """Raise ConfigError for the first error; `.problems` on it holds all errors."""
        errors = self.errors
        if not errors:
            return
        first = errors[0]
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        raise ConfigError(first.message + more, first.location, problems=errors)

    # -- task data -----------------------------------------------------------------------------

    @property
    def required_data_keys(self) -> frozenset[str]:
        """Top-level task-data keys the config reads: object `$values` and dynamic options.

        Header `$values` are left out: a missing header only loses a caption, so
        `check_task_data` warns about it rather than blocking the task.
        """
        keys = {o.data_key for o in self.objects if o.data_key}
        keys |= {c.options_data_key for c in self.controls if c.options_data_key}
        return frozenset(k for k in keys if k)

    @property
    def data_keys_read(self) -> frozenset[str]:
        """Every task-data key any tag reads, headers included.

        A task whose data has all of them needs no `check_task_data` call: a big
        import tests this set once per task and builds messages only on a miss.
        """
        headers = {h.data_key for h in self.headers if h.data_key}
        return self.required_data_keys | frozenset(headers)

    def check_task_data(self, data: Any, where: Location) -> list[Problem]:
        """Problems that stop one task from being shown with this config.

        `where` locates the task (file, line, field such as "task 3"); each problem
        carries it, and its message names the `$variable`, the tag and the config line.
        """
        if not isinstance(data, Mapping):
            return [
                Problem(
                    Severity.ERROR,
                    f"task data must be an object (key → value), got {type(data).__name__}",
                    where,
                )
            ]
        problems: list[Problem] = []
        for obj in self.objects:
            if obj.data_key and obj.data_key not in data:
                problems.append(
                    Problem(
                        Severity.ERROR,
                        f"data has no key '{obj.data_key}' needed by {obj.ref} "
                        f"({self._config_line(obj.line)})",
                        where,
                    )
                )
        for ctl in self.controls:
            key = ctl.options_data_key
            if key and key not in data:
                problems.append(
                    Problem(
                        Severity.ERROR,
                        f"data has no key '{key}' needed for the options of "
                        f'<{ctl.tag} name="{ctl.name}" value="{ctl.value}"> '
                        f"({self._config_line(ctl.line)})",
                        where,
                    )
                )
        for header in self.headers:
            if header.data_key and header.data_key not in data:
                problems.append(
                    Problem(
                        Severity.WARNING,
                        f"data has no key '{header.data_key}' for "
                        f'<Header value="{header.value}"> ({self._config_line(header.line)}); '
                        "the header will be empty",
                        where,
                    )
                )
        return problems

    def _config_line(self, line: int) -> str:
        return f"config line {line}" + ("" if self.source == "<config>" else f" in {self.source}")

    # -- GUI conveniences ----------------------------------------------------------------------

    def label_colours(self) -> dict[str, dict[str, str | None]]:
        """control name → result value → configured background (None: GUI picks a colour)."""
        return {c.name: {o.result_value: o.background for o in c.options} for c in self.controls}

    def palette_colours(self) -> dict[tuple[str, str], str]:
        """(control, value) → the colour a label gets when its config sets none."""
        return palette_colours(self.label_colours())

    def hotkeys(self) -> dict[str, dict[str, str]]:
        """control name → result value → hotkey.

        A configured `hotkey` always wins. Options without one get the digits 1–9
        in order, restarting for each control (the GUI scopes digit keys to the
        active control), skipping any digit configured anywhere in the interface
        so an automatic key never shadows a key the project owner chose. Options
        beyond the ninth free digit get no hotkey.
        """
        configured = {
            o.hotkey.strip().lower() for c in self.controls for o in c.options if o.hotkey
        }
        free = [k for k in _AUTO_HOTKEYS if k not in configured]
        result: dict[str, dict[str, str]] = {}
        for control in self.controls:
            keys: dict[str, str] = {}
            auto = iter(free)
            for option in control.options:
                if option.hotkey:
                    keys[option.result_value] = option.hotkey
                else:
                    key = next(auto, None)
                    if key is not None:
                        keys[option.result_value] = key
            result[control.name] = keys
        return result


def parse_labeling_config(xml_text: str, source: str = "<config>") -> LabelingInterface:
    """Parse a Label Studio labeling config; see :mod:`labelmate.core.config_parser`."""
    from labelmate.core.config_parser import parse_labeling_config as _parse

    return _parse(xml_text, source)


__all__ = [
    "ChoiceMode",
    "ControlTag",
    "HeaderTag",
    "LabelOption",
    "LabelingInterface",
    "ObjectTag",
    "data_key_of",
    "parse_labeling_config",
]
