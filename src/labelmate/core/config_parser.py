"""Parse the supported subset of Label Studio's labeling-config XML.

`labelmate.core.xml_tree.read_tree` reads the XML with line numbers and refuses
DOCTYPE and entity declarations. `_Builder` then walks the tree, builds the models
and collects problems.

Unsupported tags never stop parsing; they yield a warning naming the tag and the
line. An unsupported tag that looks like an object or a control (it has `toName`,
or `name` with `value`/`valueList`), and `Relations`/`Style`, are skipped with
their whole subtree, because their children belong to them. Any other unknown tag
(`Collapse`, `Panel`, `Filter`, …) is treated as layout: its children are still
read, so a control inside a `<Collapse>` is not silently lost.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from labelmate.core.errors import ConfigError, Location, Problem, Severity
from labelmate.core.labeling_interface import (
    CHOICE_CONTROL_TYPES,
    IMAGE_CONTROL_TYPES,
    LABEL_CONTROL_TYPES,
    ControlTag,
    HeaderTag,
    LabelingInterface,
    LabelOption,
    ObjectTag,
    data_key_of,
    tag_ref,
)
from labelmate.core.xml_tree import XmlNode, read_tree

OBJECT_TAGS = frozenset({"Image", "Text", "HyperText"})
CONTROL_TAGS = frozenset(
    [
        "RectangleLabels",
        "PolygonLabels",
        "KeyPointLabels",
        "Labels",
        "Choices",
        "TextArea",
        "Rating",
        "Rectangle",
        "Polygon",
        "KeyPoint",
    ]
)
OPTION_TAGS = frozenset({"Label", "Choice"})
SUPPORTED_TAGS = OBJECT_TAGS | CONTROL_TAGS | OPTION_TAGS | {"View", "Header"}
# Unknown tags whose children must not be read as ours.
_SKIP_SUBTREE = frozenset({"Relations", "Style", "Script"})

# Attributes that become model fields; every other attribute is kept in `attrs`.
_OBJECT_FIELDS = frozenset({"name", "value", "valueList"})
_CONTROL_FIELDS = frozenset(
    [
        "name",
        "toName",
        "choice",
        "required",
        "requiredMessage",
        "maxUsages",
        "showInline",
        "perRegion",
        "maxRating",
        "placeholder",
        "rows",
        "value",
    ]
)
_OPTION_FIELDS = frozenset(
    [
        "value",
        "alias",
        "hotkey",
        "background",
        "maxUsages",
        "category",
        "model_index",
        "selected",
        "hint",
        "granularity",
    ]
)
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


@dataclass(slots=True)
class _ControlDraft:
    """A control whose options are still being collected."""

    node: XmlNode
    ref: str
    options: list[LabelOption] = field(default_factory=list)


def parse_labeling_config(xml_text: str, source: str = "<config>") -> LabelingInterface:
    """Parse `xml_text` (named `source` in messages) into a LabelingInterface.

    Raises ConfigError only when nothing usable can be read: malformed XML, a
    DOCTYPE, a root other than `<View>`, an empty config. Everything else lands in
    `LabelingInterface.problems`; call `raise_for_errors()` before labeling.
    """
    root = read_tree(xml_text, source)
    if root.tag != "View":
        _fatal(f"the root tag is <{root.tag}>; a labeling config starts with <View>", source, root)
    if not root.children:
        _fatal("the config is empty: <View> contains no tags", source, root)
    return _Builder(source).build(root)


def _fatal(message: str, source: str, node: XmlNode) -> None:
    loc = Location(file=source, line=node.line, column=node.column)
    raise ConfigError(message, loc)


class _Builder:
    """Walks the tree once to build models, then checks cross-references."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.objects: list[ObjectTag] = []
        self.headers: list[HeaderTag] = []
        self.drafts: list[_ControlDraft] = []
        self.names: dict[str, tuple[str, int]] = {}  # name → (ref, line) of its first use
        self.unsupported: dict[str, tuple[str, int]] = {}  # unsupported object names

    # -- reporting ---------------------------------------------------------------------------

    def report(self, severity: Severity, message: str, node: XmlNode, fld: str | None) -> None:
        loc = Location(file=self.source, line=node.line, column=node.column, field=fld)
        self.problems.append(Problem(severity, message, loc))

    def error(self, message: str, node: XmlNode, fld: str | None = None) -> None:
        self.report(Severity.ERROR, message, node, fld)

    def warn(self, message: str, node: XmlNode, fld: str | None = None) -> None:
        self.report(Severity.WARNING, message, node, fld)

    # -- attribute readers -------------------------------------------------------------------

    def bool_attr(self, node: XmlNode, attr: str, default: bool, ref: str) -> bool:
        raw = node.attrs.get(attr)
        if raw is None:
            return default
        word = raw.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        self.warn(
            f'{ref} at line {node.line}: {attr}="{raw}" is not true or false; '
            f"using {str(default).lower()}",
            node,
            f"{ref}.{attr}",
        )
        return default

    def int_attr(self, node: XmlNode, attr: str, ref: str, minimum: int = 0) -> int | None:
        raw = node.attrs.get(attr)
        if raw is None:
            return None
        try:
            value = int(raw.strip())
        except ValueError:
            value = None
        if value is None or value < minimum:
            self.warn(
                f'{ref} at line {node.line}: {attr}="{raw}" is not a whole number '
                f"≥ {minimum}; ignored",
                node,
                f"{ref}.{attr}",
            )
            return None
        return value

    def claim_name(self, name: str, ref: str, node: XmlNode) -> None:
        first = self.names.get(name) or self.unsupported.get(name)
        if first is not None:
            self.error(
                f"duplicate name '{name}': {ref} at line {node.line} reuses the name of "
                f"{first[0]} at line {first[1]}; names must be unique",
                node,
                f"{ref}.name",
            )
        else:
            self.names[name] = (ref, node.line)

    # -- the walk ----------------------------------------------------------------------------

    def build(self, root: XmlNode) -> LabelingInterface:
        self.walk(root, None)
        controls = self.check_controls()
        if not self.objects:
            self.error("the config has no supported object tag (Image, Text, HyperText)", root)
        if not controls:
            self.error("the config has no supported control tag to annotate with", root)
        self.problems.sort(key=lambda p: (p.location.line or 0, p.location.column or 0))
        return LabelingInterface(
            objects=tuple(self.objects),
            controls=controls,
            headers=tuple(self.headers),
            problems=tuple(self.problems),
            source=self.source,
        )

    def walk(self, node: XmlNode, control: _ControlDraft | None) -> None:
        tag = node.tag
        if tag in OBJECT_TAGS:
            self.add_object(node)
        elif tag == "Header":
            value = node.attrs.get("value", "")
            extra = {k: v for k, v in node.attrs.items() if k != "value"}
            self.headers.append(HeaderTag(value, data_key_of(value), node.line, node.column, extra))
        elif tag in CONTROL_TAGS:
            control = self.add_control(node)
        elif tag in OPTION_TAGS:
            self.add_option(node, control)
            return
        elif tag != "View" and not self.unsupported_tag(node):
            return
        for child in node.children:
            self.walk(child, control)

    def unsupported_tag(self, node: XmlNode) -> bool:
        """Warn about an unsupported tag; True if its children should still be read."""
        tag, attrs = node.tag, node.attrs
        hint = next((t for t in SUPPORTED_TAGS if t.lower() == tag.lower()), None)
        did_you_mean = f" (did you mean <{hint}>? tag names are case-sensitive)" if hint else ""
        name = attrs.get("name")
        looks_bound = "toName" in attrs or (name and ("value" in attrs or "valueList" in attrs))
        if looks_bound or tag in _SKIP_SUBTREE:
            ref = tag_ref(tag, "name", name)
            if name and "toName" not in attrs:
                self.unsupported[name] = (ref, node.line)
            elif name:
                self.claim_name(name, ref, node)
            self.warn(
                f"unsupported tag <{tag}> at line {node.line} is ignored, "
                f"with everything inside it{did_you_mean}",
                node,
                ref,
            )
            return False
        self.warn(
            f"unsupported tag <{tag}> at line {node.line} is ignored; "
            f"the tags inside it are still read{did_you_mean}",
            node,
            f"<{tag}>",
        )
        return True

    def add_object(self, node: XmlNode) -> None:
        tag, attrs = node.tag, node.attrs
        name = attrs.get("name", "").strip()
        value = attrs.get("value") or attrs.get("valueList") or ""
        ref = tag_ref(tag, "name", name)
        if not name:
            self.error(f"<{tag}> at line {node.line} has no name", node, f"{ref}.name")
        if not value.strip():
            self.error(
                f'{ref} at line {node.line} has no value; use value="$key" to show task data',
                node,
                f"{ref}.value",
            )
        key = data_key_of(value)
        if value.startswith("$") and key is None:
            self.error(
                f'{ref} at line {node.line}: value "{value}" names no data key',
                node,
                f"{ref}.value",
            )
        elif value.strip() and key is None and tag == "Image":
            self.warn(
                f'{ref} at line {node.line}: value "{value}" is not a $variable, '
                "so every task shows the same image",
                node,
                f"{ref}.value",
            )
        if not name:
            return
        self.claim_name(name, ref, node)
        extra = {k: v for k, v in attrs.items() if k not in _OBJECT_FIELDS}
        self.objects.append(ObjectTag(tag, name, value, key, node.line, node.column, extra))

    def add_control(self, node: XmlNode) -> _ControlDraft | None:
        name = node.attrs.get("name", "").strip()
        ref = tag_ref(node.tag, "name", name)
        if not name:
            self.error(f"<{node.tag}> at line {node.line} has no name", node, f"{ref}.name")
            return None
        self.claim_name(name, ref, node)
        draft = _ControlDraft(node, ref)
        self.drafts.append(draft)
        return draft

    def add_option(self, node: XmlNode, control: _ControlDraft | None) -> None:
        tag, attrs = node.tag, node.attrs
        value = attrs.get("value", "")
        ref = tag_ref(tag, "value", value)
        if control is None:
            self.warn(f"{ref} at line {node.line} is outside any control and is ignored", node, ref)
            return
        ctype = control.node.tag.lower()
        wanted = (
            "Label"
            if ctype in LABEL_CONTROL_TYPES
            else ("Choice" if ctype in CHOICE_CONTROL_TYPES else None)
        )
        if wanted != tag:
            takes = f"it takes <{wanted}>" if wanted else "it takes no options"
            self.warn(
                f"{ref} at line {node.line} inside {control.ref} is ignored; {takes}", node, ref
            )
            return
        if not value.strip():
            self.error(
                f"<{tag}> at line {node.line} in {control.ref} has no value", node, f"{ref}.value"
            )
            return
        extra = {k: v for k, v in attrs.items() if k not in _OPTION_FIELDS}
        control.options.append(
            LabelOption(
                value=value,
                alias=attrs.get("alias") or None,
                hotkey=(attrs.get("hotkey") or "").strip() or None,
                background=(attrs.get("background") or "").strip() or None,
                max_usages=self.int_attr(node, "maxUsages", ref, minimum=1),
                category=self.int_attr(node, "category", ref),
                model_index=self.int_attr(node, "model_index", ref),
                selected=self.bool_attr(node, "selected", False, ref),
                hint=attrs.get("hint"),
                granularity=attrs.get("granularity"),
                line=node.line,
                column=node.column,
                attrs=extra,
            )
        )

    # -- cross-reference checks -------------------------------------------------------------

    def check_controls(self) -> tuple[ControlTag, ...]:
        controls = [c for c in map(self.finish_control, self.drafts) if c is not None]
        self.check_hotkeys(controls)
        return tuple(controls)

    def finish_control(self, draft: _ControlDraft) -> ControlTag | None:
        """Read a control's attributes and check its targets and options.

        Returns None (after a warning) when it only targets unsupported objects:
        the rest of the config stays usable without it.
        """
        node, ref = draft.node, draft.ref
        attrs, ctype = node.attrs, node.tag.lower()
        to_names = tuple(n.strip() for n in attrs.get("toName", "").split(",") if n.strip())
        if not to_names:
            near = [a for a in attrs if a.lower() == "toname"]
            hint = f" (found '{near[0]}'; attribute names are case-sensitive)" if near else ""
            self.error(f"{ref} at line {node.line} has no toName{hint}", node, f"{ref}.toName")
        skipped = [n for n in to_names if n in self.unsupported]
        for target in to_names:
            self.check_target(draft, target, ctype)
        if skipped and len(skipped) == len(to_names):
            return None
        value = attrs.get("value")
        options = tuple(draft.options)
        takes_options = ctype in LABEL_CONTROL_TYPES | CHOICE_CONTROL_TYPES
        if takes_options and not options and data_key_of(value) is None:
            child = "<Label>" if ctype in LABEL_CONTROL_TYPES else "<Choice>"
            self.error(
                f"{ref} at line {node.line} has no options: add {child} tags "
                f'or load them from task data with value="$key"',
                node,
                ref,
            )
        self.check_duplicate_options(draft)
        choice = attrs.get("choice", "single")
        if choice not in ("single", "single-radio", "multiple"):
            self.warn(
                f'{ref} at line {node.line}: choice="{choice}" is not single, single-radio '
                "or multiple; using single",
                node,
                f"{ref}.choice",
            )
            choice = "single"
        return ControlTag(
            tag=node.tag,
            name=attrs.get("name", "").strip(),
            to_names=to_names,
            options=options,
            choice=choice,  # type: ignore[arg-type]
            required=self.bool_attr(node, "required", False, ref),
            required_message=attrs.get("requiredMessage"),
            max_usages=self.int_attr(node, "maxUsages", ref, minimum=1),
            show_inline=self.bool_attr(node, "showInline", ctype != "choices", ref),
            per_region=self.bool_attr(node, "perRegion", False, ref),
            max_rating=(self.int_attr(node, "maxRating", ref, minimum=1) or 5)
            if ctype == "rating"
            else None,
            placeholder=attrs.get("placeholder"),
            rows=self.int_attr(node, "rows", ref, minimum=1),
            value=value,
            line=node.line,
            column=node.column,
            attrs={k: v for k, v in attrs.items() if k not in _CONTROL_FIELDS},
        )

    def check_target(self, draft: _ControlDraft, target: str, ctype: str) -> None:
        node, ref = draft.node, draft.ref
        fld = f"{ref}.toName"
        where = f"{ref} at line {node.line}"
        obj = next((o for o in self.objects if o.name == target), None)
        if obj is None:
            if target in self.unsupported:
                other, line = self.unsupported[target]
                self.warn(
                    f"{where} is ignored: toName '{target}' is {other} at line {line}, "
                    "which Labelmate does not support",
                    node,
                    fld,
                )
            elif target in self.names:
                other, line = self.names[target]
                self.error(
                    f"{where}: toName '{target}' names {other} at line {line}, "
                    "not an object tag (Image, Text, HyperText)",
                    node,
                    fld,
                )
            else:
                hint = self.closest(target, [o.name for o in self.objects])
                self.error(
                    f"{where}: toName '{target}' matches no object tag{hint}",
                    node,
                    fld,
                )
            return
        if ctype in IMAGE_CONTROL_TYPES and obj.tag != "Image":
            self.error(
                f"{where} draws on images, but toName '{target}' is {obj.ref} at line {obj.line}",
                node,
                fld,
            )
        elif ctype == "labels" and obj.tag == "Image":
            paired = any(
                d.node.tag.lower() in IMAGE_CONTROL_TYPES
                and target in (n.strip() for n in d.node.attrs.get("toName", "").split(","))
                for d in self.drafts
            )
            if not paired:
                self.error(
                    f"{where} targets the image '{target}' (line {obj.line}) but no "
                    "Rectangle/Polygon/KeyPoint tool draws on it; use RectangleLabels or "
                    "add a drawing tool",
                    node,
                    fld,
                )

    def check_duplicate_options(self, draft: _ControlDraft) -> None:
        seen: dict[str, LabelOption] = {}
        for option in draft.options:
            key = option.result_value
            first = seen.setdefault(key, option)
            if first is option:
                continue
            via = " (after alias resolution)" if option.alias or first.alias else ""
            node = XmlNode(option_tag(draft), {}, option.line, option.column)
            self.error(
                f"{draft.ref}: option '{key}' at line {option.line} duplicates the option at "
                f"line {first.line}{via}; results could not tell them apart",
                node,
                f"{draft.ref}.{option_tag(draft)}",
            )

    def check_hotkeys(self, controls: list[ControlTag]) -> None:
        seen: dict[str, tuple[ControlTag, LabelOption]] = {}
        for control in controls:
            for option in control.options:
                if not option.hotkey:
                    continue
                key = option.hotkey.lower()
                if key not in seen:
                    seen[key] = (control, option)
                    continue
                other_control, other = seen[key]
                node = XmlNode(control.tag, {}, option.line, option.column)
                self.warn(
                    f"hotkey '{option.hotkey}' of '{option.result_value}' in {control.ref} "
                    f"(line {option.line}) is also used by '{other.result_value}' in "
                    f"{other_control.ref} (line {other.line})",
                    node,
                    f"{control.ref}.hotkey",
                )

    def closest(self, name: str, candidates: list[str]) -> str:
        match = difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
        if not match:
            match = [c for c in candidates if c.lower() == name.lower()][:1]
        if match:
            return f"; did you mean '{match[0]}'?"
        if candidates:
            return "; object names are " + ", ".join(f"'{c}'" for c in candidates)
        return "; the config has no object tags"


def option_tag(draft: _ControlDraft) -> str:
    return "Label" if draft.node.tag.lower() in LABEL_CONTROL_TYPES else "Choice"
