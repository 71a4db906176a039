"""The labeling config parser: what a project owner's mistakes look like to them.

Each error case checks the message names the thing to fix *and* the line, since
that is what the user acts on. The property tests feed untrusted input and
require that only ConfigError ever escapes.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelmate.core.errors import ConfigError, Location, Severity
from labelmate.core.labeling_interface import (
    LabelingInterface,
    data_key_of,
    parse_labeling_config,
)

CONFIGS = Path(__file__).parent.parent / "fixtures" / "configs"
SAMPLES = sorted(CONFIGS.glob("*.xml"))


def parse(text: str) -> LabelingInterface:
    return parse_labeling_config(text, "project.xml")


def only(problems, severity=Severity.ERROR):
    found = [p for p in problems if p.severity is severity]
    assert len(found) == 1, [p.format() for p in problems]
    return found[0]


def line_count(text: str) -> int:
    return len(re.split(r"\r\n|\r|\n", text))


# -- the sample configs -----------------------------------------------------------------------


def test_all_sample_configs_are_present():
    assert {p.name for p in SAMPLES} >= {
        "config_image_boxes.xml",
        "config_ner.xml",
        "config_polygon_keypoints.xml",
        "config_text_sentiment.xml",
    }


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_configs_parse_without_problems(path):
    interface = parse_labeling_config(path.read_text(encoding="utf-8"), path.name)
    assert interface.problems == ()
    assert interface.objects and interface.controls
    interface.raise_for_errors()  # must not raise


def test_image_boxes_sample_is_read_faithfully():
    interface = parse_labeling_config((CONFIGS / "config_image_boxes.xml").read_text(), "boxes")
    box = interface.control("box")
    assert box is not None
    assert box.type == "rectanglelabels"
    assert box.region_type == "box"
    assert box.is_image_control
    assert box.to_names == ("image",)
    assert box.line == 4
    assert [o.value for o in box.options] == ["Car", "Truck", "Pedestrian"]
    assert [o.category for o in box.options] == [0, 1, 2]
    assert box.options[2].max_usages == 20
    assert box.options[0].background == "#1f77b4"
    assert box.attrs["canRotate"] == "false"  # unknown attributes are kept
    assert interface.object("image").data_key == "image"
    assert interface.controls_for("image") == (box,)
    assert interface.required_data_keys == {"image"}
    assert interface.headers[0].value.startswith("Draw a box")


def test_sentiment_sample_keeps_choice_settings():
    interface = parse_labeling_config((CONFIGS / "config_text_sentiment.xml").read_text())
    choices = interface.control("sentiment")
    assert choices.choice == "single-radio"
    assert choices.required is True
    assert choices.required_message == "Pick one sentiment"
    assert choices.region_type == "choices"
    assert not choices.is_image_control


def test_keypoint_model_index_is_read():
    interface = parse_labeling_config((CONFIGS / "config_polygon_keypoints.xml").read_text())
    points = interface.control("points")
    assert points.region_type == "keypoint"
    assert [o.model_index for o in points.options] == [0, 1]
    assert interface.control("outline").region_type == "polygon"


# -- error cases: message content and line ----------------------------------------------------

IMAGE_HEAD = '<View>\n  <Image name="image" value="$image"/>\n'


def test_unknown_to_name_names_control_attribute_line_and_suggestion():
    text = IMAGE_HEAD + (
        '  <RectangleLabels name="box" toName="imgae">\n    <Label value="Car"/>\n'
        "  </RectangleLabels>\n</View>"
    )
    problem = only(parse(text).problems)
    assert problem.location.line == 3
    assert problem.location.file == "project.xml"
    assert problem.location.field == '<RectangleLabels name="box">.toName'
    assert '<RectangleLabels name="box">' in problem.message
    assert "toName 'imgae'" in problem.message
    assert "did you mean 'image'" in problem.message


def test_to_name_list_checks_every_name():
    text = (
        IMAGE_HEAD
        + '  <Choices name="q" toName="image, nope"><Choice value="A"/></Choices>\n</View>'
    )
    interface = parse(text)
    problem = only(interface.problems)
    assert "'nope'" in problem.message and problem.location.line == 3
    assert interface.control("q").to_names == ("image", "nope")


def test_duplicate_name_cites_both_lines():
    text = IMAGE_HEAD + (
        '  <Choices name="q" toName="image"><Choice value="A"/></Choices>\n'
        '  <Choices name="q" toName="image"><Choice value="B"/></Choices>\n</View>'
    )
    problem = only(parse(text).problems)
    assert "duplicate name 'q'" in problem.message
    assert "line 4" in problem.message and "line 3" in problem.message
    assert problem.location.line == 4


def test_labels_control_without_options_is_an_error():
    text = IMAGE_HEAD + '  <RectangleLabels name="box" toName="image"/>\n</View>'
    problem = only(parse(text).problems)
    assert '<RectangleLabels name="box">' in problem.message
    assert "no options" in problem.message
    assert problem.location.line == 3


def test_dynamic_options_need_no_children_but_need_the_data_key():
    text = (
        '<View>\n  <Text name="t" value="$text"/>\n'
        '  <Choices name="c" toName="t" value="$opts"/>\n</View>'
    )
    interface = parse(text)
    assert interface.problems == ()
    assert interface.required_data_keys == {"text", "opts"}
    problem = only(interface.check_task_data({"text": "hi"}, Location(file="t.json")))
    assert "'opts'" in problem.message and "config line 3" in problem.message


def test_bare_tools_need_no_options():
    text = IMAGE_HEAD + '  <Rectangle name="r" toName="image"/>\n</View>'
    interface = parse(text)
    assert interface.problems == ()
    assert interface.control("r").region_type == "box"


def test_unsupported_tag_is_a_warning_and_the_rest_still_parses():
    text = (
        "<View>\n"
        "  <Style>.x { color: red }</Style>\n"
        '  <Image name="image" value="$image"/>\n'
        '  <Relations><Relation value="next"/></Relations>\n'
        '  <RectangleLabels name="box" toName="image"><Label value="Car"/></RectangleLabels>\n'
        "</View>"
    )
    interface = parse(text)
    assert interface.errors == ()
    warnings = interface.warnings
    assert [w.location.line for w in warnings] == [2, 4]
    assert "<Style>" in warnings[0].message and "line 2" in warnings[0].message
    assert "<Relations>" in warnings[1].message
    assert interface.control("box").options[0].value == "Car"


def test_controls_inside_unknown_layout_tags_are_still_read():
    text = IMAGE_HEAD + (
        '  <Collapse>\n    <Panel value="More">\n'
        '      <Choices name="q" toName="image"><Choice value="A"/></Choices>\n'
        "    </Panel>\n  </Collapse>\n</View>"
    )
    interface = parse(text)
    assert interface.errors == ()
    assert [w.location.line for w in interface.warnings] == [3, 4]
    assert interface.control("q").line == 5


def test_control_on_unsupported_object_is_dropped_with_a_warning():
    text = IMAGE_HEAD + (
        '  <Audio name="audio" value="$audio"/>\n'
        '  <Labels name="speech" toName="audio"><Label value="Speaker"/></Labels>\n'
        '  <Rectangle name="r" toName="image"/>\n</View>'
    )
    interface = parse(text)
    assert interface.errors == ()
    assert interface.control("speech") is None
    assert "audio" not in interface.required_data_keys
    assert any("<Audio" in w.message and w.location.line == 3 for w in interface.warnings)
    assert any("speech" in w.message and w.location.line == 4 for w in interface.warnings)


def test_lowercase_tag_is_reported_with_a_hint():
    text = (
        IMAGE_HEAD
        + '  <choices name="q" toName="image"/>\n  <Rectangle name="r" toName="image"/>\n</View>'
    )
    warning = only(parse(text).problems, Severity.WARNING)
    assert "did you mean <Choices>" in warning.message and warning.location.line == 3


def test_duplicate_option_after_alias_resolution():
    text = '<View>\n  <Text name="t" value="$text"/>\n  <Choices name="c" toName="t">\n' + (
        '    <Choice value="Positive" alias="pos"/>\n    <Choice value="pos"/>\n'
        "  </Choices>\n</View>"
    )
    problem = only(parse(text).problems)
    assert "'pos'" in problem.message and "alias" in problem.message
    assert "line 5" in problem.message and "line 4" in problem.message
    assert problem.location.line == 5


def test_alias_becomes_the_result_value():
    text = '<View>\n  <Text name="t" value="$text"/>\n  <Choices name="c" toName="t">\n' + (
        '    <Choice value="Positive" alias="pos"/>\n    <Choice value="Negative"/>\n'
        "  </Choices>\n</View>"
    )
    control = parse(text).control("c")
    assert [o.result_value for o in control.options] == ["pos", "Negative"]
    assert control.option("pos").value == "Positive"


def test_duplicate_hotkeys_warn_with_both_lines():
    text = IMAGE_HEAD + (
        '  <RectangleLabels name="box" toName="image">\n'
        '    <Label value="Car" hotkey="c"/>\n    <Label value="Cat" hotkey="C"/>\n'
        "  </RectangleLabels>\n</View>"
    )
    interface = parse(text)
    assert interface.errors == ()
    warning = only(interface.problems, Severity.WARNING)
    assert "hotkey 'C'" in warning.message and "line 4" in warning.message
    assert warning.location.line == 5


def test_region_control_on_text_is_an_error():
    text = '<View>\n  <Text name="doc" value="$text"/>\n' + (
        '  <RectangleLabels name="box" toName="doc"><Label value="Car"/></RectangleLabels>\n</View>'
    )
    problem = only(parse(text).problems)
    assert '<RectangleLabels name="box">' in problem.message and "<Text" in problem.message
    assert problem.location.line == 3


def test_labels_on_image_need_a_drawing_tool():
    labels = '  <Labels name="l" toName="image"><Label value="A"/></Labels>\n'
    problem = only(parse(IMAGE_HEAD + labels + "</View>").problems)
    assert problem.location.line == 3 and "image" in problem.message
    paired = IMAGE_HEAD + labels + '  <Rectangle name="r" toName="image"/>\n</View>'
    assert parse(paired).errors == ()


@pytest.mark.parametrize(
    ("tag", "missing"),
    [('<Image value="$image"/>', "no name"), ('<Image name="image"/>', "no value")],
)
def test_object_without_name_or_value_is_an_error(tag, missing):
    text = (
        f'<View>\n  <Text name="t" value="$t"/>\n  {tag}\n'
        '  <Rectangle name="r" toName="t"/>\n</View>'
    )
    problems = parse(text).errors
    assert any(missing in p.message and p.location.line == 3 for p in problems), problems


def test_literal_text_value_is_fine():
    text = (
        '<View>\n  <Text name="t" value="Read this."/>\n'
        '  <Choices name="c" toName="t"><Choice value="A"/></Choices>\n</View>'
    )
    interface = parse(text)
    assert interface.problems == ()
    assert interface.object("t").data_key is None
    assert interface.required_data_keys == set()


def test_raise_for_errors_carries_every_error():
    text = IMAGE_HEAD + (
        '  <RectangleLabels name="box" toName="nope"/>\n'
        '  <Choices name="image" toName="image"><Choice value="A"/></Choices>\n</View>'
    )
    interface = parse(text)
    with pytest.raises(ConfigError) as info:
        interface.raise_for_errors()
    assert len(info.value.problems) == len(interface.errors) >= 3
    assert info.value.location.line == 3  # the first error in the file
    assert "more error" in info.value.message


# -- fatal problems ---------------------------------------------------------------------------


def test_xml_syntax_error_has_line_and_column():
    with pytest.raises(ConfigError) as info:
        parse('<View>\n  <Image name="image" value="$image">\n</View>')
    assert info.value.location == Location(file="project.xml", line=3, column=3)
    assert "XML syntax error" in info.value.message


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?>\n<!DOCTYPE v [<!ENTITY a "aaaa">]>\n'
        '<View><Text name="t" value="&a;"/></View>',
        '<?xml version="1.0"?>\n<!DOCTYPE v SYSTEM "file:///etc/passwd">\n<View/>',
    ],
)
def test_doctype_is_refused_with_its_line(text):
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert "DOCTYPE" in info.value.message
    assert info.value.location.line == 2


@pytest.mark.parametrize(
    ("text", "fragment", "line"),
    [
        ("", "empty", 1),
        ("  \n ", "empty", 1),
        ("<View/>", "empty", 1),
        ('\n<Image name="i" value="$i"/>', "root tag is <Image>", 2),
        ("<View>\n<Text name='t' value='&unknown;'/></View>", "undefined entity", 2),
    ],
)
def test_fatal_problems_raise_config_error(text, fragment, line):
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert fragment in info.value.message
    assert info.value.location.line == line


def test_excessive_nesting_is_refused():
    with pytest.raises(ConfigError, match="nested"):
        parse("<View>" * 500 + "</View>" * 500)


# -- task data --------------------------------------------------------------------------------


def test_missing_data_key_names_key_tag_and_line():
    interface = parse_labeling_config((CONFIGS / "config_image_boxes.xml").read_text())
    where = Location(file="tasks.json", line=7, field="task 3")
    problem = only(interface.check_task_data({"img": "a.png"}, where))
    assert problem.location == where
    assert problem.message == (
        'data has no key \'image\' needed by <Image name="image" value="$image"> (config line 3)'
    )
    assert interface.check_task_data({"image": "a.png", "extra": 1}, where) == []


def test_dotted_variables_need_the_top_level_key():
    text = (
        '<View>\n  <Image name="i" value="$item.url"/>\n  <Rectangle name="r" toName="i"/>\n</View>'
    )
    interface = parse(text)
    assert interface.required_data_keys == {"item"}
    assert interface.check_task_data({"item": {"url": "x"}}, Location()) == []
    assert data_key_of("$images[0]") == "images"
    assert data_key_of("literal") is None


def test_non_mapping_task_data_is_an_error():
    interface = parse_labeling_config((CONFIGS / "config_ner.xml").read_text())
    assert only(interface.check_task_data(["text"], Location())).is_error


# -- GUI conveniences -------------------------------------------------------------------------


def test_hotkeys_are_assigned_1_to_9_without_clashing():
    options = "".join(f'<Label value="L{i}"/>' for i in range(11))
    text = IMAGE_HEAD + (
        f'  <RectangleLabels name="box" toName="image">{options}</RectangleLabels>\n'
        '  <Choices name="q" toName="image"><Choice value="yes" hotkey="2"/><Choice value="no"/>'
        "</Choices>\n</View>"
    )
    hotkeys = parse(text).hotkeys()
    # "2" is configured elsewhere, so the automatic keys skip it; the 10th option gets none.
    assert hotkeys["box"] == {f"L{i}": k for i, k in enumerate("13456789")}
    assert hotkeys["q"] == {"yes": "2", "no": "1"}


def test_label_colours_keep_none_when_unset():
    text = IMAGE_HEAD + (
        '  <RectangleLabels name="box" toName="image"><Label value="A" background="#ff0000"/>'
        '<Label value="B" alias="b"/></RectangleLabels>\n</View>'
    )
    assert parse(text).label_colours() == {"box": {"A": "#ff0000", "b": None}}


# -- property tests: untrusted input ----------------------------------------------------------

ATTRS = [
    "name", "toName", "value", "alias", "hotkey", "background", "choice", "required",
    "requiredMessage", "maxUsages", "showInline", "perRegion", "maxRating", "placeholder",
    "rows", "granularity", "category", "model_index", "selected", "hint", "valueList",
]  # fmt: skip
TAGS = [
    "View", "Header", "Image", "Text", "HyperText", "RectangleLabels", "PolygonLabels",
    "KeyPointLabels", "Labels", "Choices", "Choice", "Label", "TextArea", "Rating",
    "Rectangle", "Polygon", "KeyPoint", "Collapse", "Relations", "Relation", "Audio", "Style",
]  # fmt: skip
xml_chars = st.characters(blacklist_categories=("Cs", "Cc"))
attr_values = st.one_of(
    st.sampled_from(["image", "text", "$image", "$text", "$", "1", "-3", "true", "x", "a,b"]),
    st.sampled_from(["image", "text", "image,text", "$item.url", "multiple", "", "A", "B"]),
    st.text(xml_chars, max_size=8),
)
attributes = st.dictionaries(st.sampled_from(ATTRS), attr_values, max_size=5)
gaps = st.sampled_from(["", "\n", "\n  ", "\r\n", " "])


def _element(kids: st.SearchStrategy) -> st.SearchStrategy:
    def render(tag, attrs, kids, gap):
        body = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
        open_ = f"<{tag} {body}" if body else f"<{tag}"
        return f"{open_}/>" if not kids else f"{open_}>{gap}{gap.join(kids)}{gap}</{tag}>"

    return st.builds(render, st.sampled_from(TAGS), attributes, kids, gaps)


elements = st.recursive(
    _element(st.just([])), lambda inner: _element(st.lists(inner, max_size=4)), max_leaves=12
)
documents = st.builds(
    lambda root, kids, gap: f"<{root}>{gap}{gap.join(kids)}{gap}</{root}>",
    st.sampled_from(["View", "View", "View", "Text"]),
    st.lists(elements, max_size=6),
    gaps,
)


def _assert_contained(text: str) -> None:
    """Only ConfigError may escape, and every reported line must exist in the text."""
    lines = line_count(text)
    try:
        interface = parse_labeling_config(text, "fuzz.xml")
    except ConfigError as exc:
        assert exc.location.line is None or 1 <= exc.location.line <= lines
        return
    for problem in interface.problems:
        assert problem.location.line is not None
        assert 1 <= problem.location.line <= lines, problem.format()
    for tag in (*interface.objects, *interface.controls, *interface.headers):
        assert 1 <= tag.line <= lines


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_generated_configs_only_raise_config_error(text):
    _assert_contained(text)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_only_raises_config_error(text):
    _assert_contained(text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SAMPLES), st.integers(min_value=0), st.text(max_size=6))
def test_corrupted_samples_only_raise_config_error(path, position, junk):
    text = path.read_text(encoding="utf-8")
    cut = position % (len(text) + 1)
    _assert_contained(text[:cut] + junk + text[cut:])


def test_text_that_is_not_encodable_is_a_config_error_with_its_line():
    with pytest.raises(ConfigError) as info:
        parse('<View>\n  <Text name="t" value="\ud800"/>\n</View>')
    assert info.value.location.line == 2


def test_palette_colours_number_labels_across_every_control():
    """Canvas, text screen, agreement view and thumbnails colour a label alike."""
    from labelmate.core.labeling_interface import PALETTE
    from labelmate.io.thumbnails import label_colour

    text = (
        '<View><Image name="img" value="$image"/><Text name="t" value="$text"/>'
        '<Choices name="c" toName="t"><Choice value="yes"/></Choices>'
        '<RectangleLabels name="box" toName="img"><Label value="A" background="nonsense"/>'
        '<Label value="B"/></RectangleLabels></View>'
    )
    interface = parse(text)
    assert interface.palette_colours() == {
        ("c", "yes"): PALETTE[0],
        ("box", "A"): PALETTE[1],
        ("box", "B"): PALETTE[2],
    }
    colours = interface.label_colours()
    assert label_colour(colours, "box", "B") == PALETTE[2]
    assert label_colour(colours, "box", "A") == PALETTE[1]  # unreadable colour: the palette's
    assert label_colour(colours, "box", "Z") in PALETTE  # a label the config lacks
