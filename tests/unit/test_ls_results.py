"""Label Studio result items ⇄ regions: units, defaults, kept keys, pairs and span offsets."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from labelmate.core.regions import Box, Choices, Keypoint, Polygon, Rating, Span, TextAnswer
from labelmate.io.label_studio.offsets import utf16_offsets
from labelmate.io.label_studio.result_list import results_to_regions
from labelmate.io.label_studio.results import region_to_result, region_to_results, result_to_region


def _rect(**value):
    return {
        "id": "r1",
        "type": "rectanglelabels",
        "from_name": "box",
        "to_name": "image",
        "original_width": 800,
        "original_height": 600,
        "value": {"x": 12.5, "y": 25.0, "width": 30.0, "height": 30.0, "rectanglelabels": ["Car"]}
        | value,
    }


def test_rectangle_percent_becomes_pixels_of_the_declared_size():
    """formats.md §8b: 12.5/25/30/30 % of 800×600 is the box 100,150,240,180 px."""
    region, problems = result_to_region(_rect(), image_size=None, text=None)
    assert problems == []
    assert isinstance(region, Box)
    assert (region.x, region.y, region.width, region.height) == (100.0, 150.0, 240.0, 180.0)
    assert region.rotation == 0  # missing rotation defaults to 0 (§8.5)
    assert (region.id, region.control, region.target, region.labels) == (
        "r1",
        "box",
        "image",
        ("Car",),
    )


def test_the_results_own_size_wins_and_a_given_size_fills_in():
    item = _rect()
    del item["original_width"], item["original_height"]
    region, _ = result_to_region(item, image_size=(1000, 1000), text=None)
    assert (region.x, region.width) == (125.0, 300.0)
    region, problems = result_to_region(item, image_size=None, text=None)
    assert region is None and "needs the image size" in problems[0]


def test_written_box_always_declares_size_and_image_rotation():
    box = Box(
        id="b",
        control="box",
        target="image",
        labels=("Car",),
        x=100,
        y=150,
        width=240,
        height=180,
        rotation=30,
    )
    item = region_to_result(box, image_size=(800, 600), control_type="rectanglelabels")
    assert item["original_width"] == 800 and item["original_height"] == 600
    assert item["image_rotation"] == 0
    assert item["value"] == {
        "x": 12.5,
        "y": 25.0,
        "width": 30.0,
        "height": 30.0,
        "rotation": 30,
        "rectanglelabels": ["Car"],
    }


def test_unknown_keys_and_bookkeeping_survive_a_round_trip():
    item = _rect(rotation=10, custom_value={"a": 1})
    item |= {
        "readonly": True,
        "hidden": False,
        "item_index": 0,
        "origin": "prediction-changed",
        "score": 0.5,
        "meta": {"text": ["note"]},
    }
    region, problems = result_to_region(item, image_size=None, text=None)
    assert problems == []
    assert region.origin == "prediction-changed" and region.score == 0.5
    assert region.extra["ls_result"] == {
        "readonly": True,
        "hidden": False,
        "item_index": 0,
        "meta": {"text": ["note"]},
    }
    back = region_to_result(region, image_size=(800, 600), control_type="rectanglelabels")
    item["image_rotation"] = 0  # we always write it
    assert back == item


def test_polygon_closed_defaults_to_true_and_keypoint_width_is_kept():
    poly = {
        "id": "p",
        "type": "polygonlabels",
        "from_name": "outline",
        "to_name": "photo",
        "original_width": 200,
        "original_height": 100,
        "value": {"points": [[0, 0], [50, 0], [50, 50]], "polygonlabels": ["Leaf"]},
    }
    region, _ = result_to_region(poly, image_size=None, text=None)
    assert isinstance(region, Polygon) and region.closed is True
    assert region.points == ((0, 0), (100, 0), (100, 50))
    kp = {
        "id": "k",
        "type": "keypointlabels",
        "from_name": "points",
        "to_name": "photo",
        "original_width": 200,
        "original_height": 100,
        "parentID": "p",
        "value": {"x": 10, "y": 20, "width": 0.75, "keypointlabels": ["Tip"]},
    }
    region, _ = result_to_region(kp, image_size=None, text=None)
    assert isinstance(region, Keypoint) and (region.x, region.y) == (20, 20)
    assert region.parent_id == "p"
    back = region_to_result(region, image_size=(200, 100), control_type="keypointlabels")
    assert back["value"]["width"] == 0.75 and back["parentID"] == "p"


def test_bare_rectangle_and_labels_sharing_an_id_are_one_region():
    geometry = _rect()
    geometry["type"] = "rectangle"
    del geometry["value"]["rectanglelabels"]
    labels = {
        "id": "r1",
        "type": "labels",
        "from_name": "kind",
        "to_name": "image",
        "original_width": 800,
        "original_height": 600,
        "value": {"x": 12.5, "y": 25.0, "width": 30.0, "height": 30.0, "labels": ["Car"]},
    }
    regions, warnings = results_to_regions(
        [geometry, labels], field="result", image_size=None, text_for=lambda _: None
    )
    assert warnings == []
    assert len(regions) == 1 and regions[0].labels == ("Car",)
    items = region_to_results(regions[0], image_size=(800, 600), control_type="rectangle")
    geometry["image_rotation"] = 0
    geometry["origin"] = "manual"
    geometry["value"]["rotation"] = 0.0
    assert items == [geometry, labels]


def test_relations_and_unknown_types_are_reported_not_crashed_on():
    results = [
        _rect(),
        {"type": "relation", "from_id": "r1", "to_id": "r2", "direction": "right"},
        {"type": "relation", "from_id": "r2", "to_id": "r1", "direction": "right"},
        {"id": "b", "type": "brushlabels", "from_name": "x", "to_name": "image", "value": {}},
    ]
    regions, warnings = results_to_regions(
        results, field="result", image_size=None, text_for=lambda _: None
    )
    assert len(regions) == 1
    messages = [m for _, m in warnings]
    assert "relations are not supported yet; 2 dropped" in messages
    assert "results of type 'brushlabels' are not supported yet; 1 dropped" in messages


def test_classifications_text_answers_and_ratings():
    base = {"id": "c", "from_name": "c", "to_name": "doc"}
    region, _ = result_to_region(
        base | {"type": "choices", "value": {"choices": ["Positive"]}}, image_size=None, text=None
    )
    assert isinstance(region, Choices) and region.labels == ("Positive",)
    region, _ = result_to_region(
        base | {"type": "textarea", "value": {"text": ["a", "b"]}}, image_size=None, text=None
    )
    assert isinstance(region, TextAnswer) and region.text == ("a", "b")
    region, _ = result_to_region(
        base | {"type": "rating", "value": {"rating": 4}}, image_size=None, text=None
    )
    assert isinstance(region, Rating) and region.rating == 4
    for bad in ({"rating": -1}, {"rating": 2.5}, {"rating": "4"}):
        region, problems = result_to_region(
            base | {"type": "rating", "value": bad}, image_size=None, text=None
        )
        assert region is None and problems


def test_nan_and_negative_sizes_drop_the_region_with_a_reason():
    for value in ({"x": math.nan}, {"width": -5.0}, {"y": "12"}, {"height": math.inf}):
        region, problems = result_to_region(_rect(**value), image_size=None, text=None)
        assert region is None
        assert problems and "dropped" in problems[-1]


def test_outside_and_normalized_looking_boxes_are_kept_with_a_warning():
    region, problems = result_to_region(_rect(x=150.0), image_size=None, text=None)
    assert region is not None and "outside the 800×600 image" in problems[0]
    assert "pixels written as percent" in problems[0]
    region, problems = result_to_region(
        _rect(x=0.1, y=0.2, width=0.3, height=0.3), image_size=None, text=None
    )
    assert region is not None and "look normalized" in problems[0]


# -- spans --------------------------------------------------------------------------------------


def _span_item(start, end, text):
    value = {"start": start, "end": end, "labels": ["PER"]}
    if text is not None:
        value["text"] = text
    return {"id": "s", "type": "labels", "from_name": "ner", "to_name": "doc", "value": value}


def test_span_matching_the_text_is_kept_silently():
    data = "Ada Lovelace met Babbage."
    region, problems = result_to_region(_span_item(0, 12, "Ada Lovelace"), text=data)
    assert problems == [] and isinstance(region, Span)
    assert (region.start, region.end, region.text) == (0, 12, "Ada Lovelace")


def test_utf16_offsets_from_a_browser_are_remapped_and_warned():
    data = "I 😀 love 🎉 Paris!"
    start = data.index("Paris")
    s16, e16 = utf16_offsets(data, start, start + 5)
    assert (s16, e16) != (start, start + 5)
    region, problems = result_to_region(_span_item(s16, e16, "Paris"), text=data)
    assert (region.start, region.end, region.text) == (start, start + 5, "Paris")
    assert len(problems) == 1 and "UTF-16" in problems[0] and "remapped" in problems[0]


def test_crlf_normalised_offsets_are_remapped():
    data = "line one\r\nline two\r\nBabbage"
    start = data.index("Babbage")
    region, problems = result_to_region(_span_item(start - 2, start + 5, "Babbage"), text=data)
    assert (region.start, region.end, region.text) == (start, start + 7, "Babbage")
    assert "remapped" in problems[0]


def test_span_nothing_explains_is_kept_as_written_and_both_strings_shown():
    region, problems = result_to_region(_span_item(0, 3, "Bob"), text="Ada met Bob")
    assert (region.start, region.end, region.text) == (0, 3, "Bob")
    assert "'Bob'" in problems[0] and "'Ada'" in problems[0]


def test_span_without_text_gets_it_from_the_data_and_writes_it():
    region, problems = result_to_region(_span_item(4, 7, None), text="Ada met Bob")
    assert problems == [] and region.text == "met"
    bare = Span(control="ner", target="doc", start=4, end=7)
    item = region_to_result(bare, image_size=None, control_type="labels", text="Ada met Bob")
    assert item["value"] == {"start": 4, "end": 7, "text": "met", "labels": []}


@settings(max_examples=80, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab \r\n😀é🎉x"), min_size=1, max_size=30),
    st.data(),
)
def test_any_browser_offsets_map_back_to_the_same_code_points(data, draw):
    """Property: offsets written in UTF-16 always come back as the code-point span."""
    start = draw.draw(st.integers(0, len(data)))
    end = draw.draw(st.integers(start, len(data)))
    s16, e16 = utf16_offsets(data, start, end)
    region, _ = result_to_region(_span_item(s16, e16, data[start:end]), text=data)
    assert region.text == data[start:end]
    assert data[region.start : region.end] == data[start:end]
