"""Edits of an annotation's regions: exact inverses, stale steps refused, nudges merged."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelmate.core.edits import (
    EditError,
    InsertRegions,
    RemoveRegions,
    ReplaceRegions,
    add_regions,
    remove_regions,
    replace_regions,
)
from labelmate.core.errors import InputError
from labelmate.core.regions import Box, Keypoint, Polygon, RegionBase

# Examples are never timed: a loaded machine must not fail the run.
NO_DEADLINE = settings(deadline=None)


# -- building blocks -------------------------------------------------------------------

coord = st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False)
size = st.floats(min_value=0, max_value=500, allow_nan=False, allow_infinity=False)
shift = st.floats(min_value=-50, max_value=50, allow_nan=False, allow_infinity=False)
labels = st.sampled_from([(), ("Car",), ("Truck",), ("Car", "Truck")])


def region(rid: str) -> st.SearchStrategy[RegionBase]:
    boxes = st.builds(
        Box,
        id=st.just(rid),
        control=st.just("box"),
        target=st.just("image"),
        labels=labels,
        x=coord,
        y=coord,
        width=size,
        height=size,
        rotation=st.floats(min_value=-180, max_value=180),
    )
    polygons = st.builds(
        Polygon,
        id=st.just(rid),
        control=st.just("poly"),
        target=st.just("image"),
        labels=labels,
        points=st.lists(st.tuples(coord, coord), min_size=3, max_size=5).map(tuple),
        closed=st.booleans(),
    )
    keypoints = st.builds(
        Keypoint,
        id=st.just(rid),
        control=st.just("kp"),
        target=st.just("image"),
        labels=labels,
        x=coord,
        y=coord,
    )
    return st.one_of(boxes, polygons, keypoints)


def region_lists(min_size: int = 0, max_size: int = 6) -> st.SearchStrategy:
    return st.integers(min_size, max_size).flatmap(
        lambda n: st.tuples(*[region(f"r{i}") for i in range(n)])
    )


def shifted(r: RegionBase, dx: float, dy: float) -> RegionBase:
    """A moved copy, as a drag or nudge produces (same id)."""
    if isinstance(r, Box | Keypoint):
        return r.model_copy(update={"x": r.x + dx, "y": r.y + dy})
    assert isinstance(r, Polygon)
    return r.model_copy(update={"points": tuple((x + dx, y + dy) for x, y in r.points)})


def changed(r: RegionBase) -> RegionBase:
    """A copy that is certainly different from `r` (coordinates are at most 1000)."""
    return shifted(r, 1.0, 0.0)


@st.composite
def insert_edits(draw, rs: tuple[RegionBase, ...], prefix: str = "new"):
    k = draw(st.integers(1, 4))
    new = [draw(region(f"{prefix}{j}")) for j in range(k)]
    positions = draw(st.lists(st.integers(0, len(rs) + k - 1), min_size=k, max_size=k, unique=True))
    items = tuple(zip(positions, new, strict=True))  # deliberately in any order
    expected: list[RegionBase | None] = [None] * (len(rs) + k)
    for pos, r in items:
        expected[pos] = r
    rest = iter(rs)
    expected = [r if r is not None else next(rest) for r in expected]
    return InsertRegions(items), tuple(expected)


@st.composite
def remove_edits(draw, rs: tuple[RegionBase, ...]):
    indices = draw(st.lists(st.integers(0, len(rs) - 1), min_size=1, unique=True))
    items = tuple((i, rs[i]) for i in indices)
    expected = tuple(r for i, r in enumerate(rs) if i not in set(indices))
    return RemoveRegions(items), expected


@st.composite
def replace_edits(draw, rs: tuple[RegionBase, ...]):
    indices = draw(st.lists(st.integers(0, len(rs) - 1), min_size=1, unique=True))
    before = tuple(rs[i] for i in indices)
    after = []
    for r in before:
        if draw(st.booleans()):
            after.append(shifted(r, draw(shift), draw(shift)))
        else:
            after.append(r.model_copy(update={"labels": draw(labels)}))
    new = {a.id: a for a in after}
    expected = tuple(new.get(r.id, r) for r in rs)
    return ReplaceRegions(before, tuple(after)), expected


@st.composite
def edits(draw, rs: tuple[RegionBase, ...], prefix: str = "new"):
    kinds = ["insert", "remove", "replace"] if rs else ["insert"]
    kind = draw(st.sampled_from(kinds))
    if kind == "insert":
        return draw(insert_edits(rs, prefix))
    return draw(remove_edits(rs) if kind == "remove" else replace_edits(rs))


def box(rid: str, x: float = 10, y: float = 20, label: str = "Car") -> Box:
    return Box(
        id=rid, control="box", target="image", labels=(label,), x=x, y=y, width=30, height=40
    )


# -- inverses --------------------------------------------------------------------------


@NO_DEADLINE
@given(data=st.data())
def test_inverse_undoes_any_edit_exactly_and_input_is_never_mutated(data):
    rs = data.draw(region_lists())
    edit, expected = data.draw(edits(rs))
    given_list = list(rs)

    out = edit.apply(given_list)

    assert given_list == list(rs)  # apply never mutates its input
    assert isinstance(out, tuple)
    assert out == expected
    assert len({r.id for r in out}) == len(out)
    back = edit.inverse().apply(out)
    assert back == rs  # order included
    assert edit.apply(back) == out  # redo after undo gives the same result


@NO_DEADLINE
@given(data=st.data())
def test_a_sequence_of_edits_undone_in_reverse_order_restores_the_start(data):
    start = data.draw(region_lists())
    state, done = start, []
    for step in range(data.draw(st.integers(1, 5))):
        edit, expected = data.draw(edits(state, prefix=f"s{step}-"))
        state = edit.apply(state)
        assert state == expected
        done.append(edit)
    for edit in reversed(done):
        state = edit.inverse().apply(state)
    assert state == start


def test_inverse_of_insert_is_a_remove_and_back():
    a = box("a")
    insert = InsertRegions(((0, a),), "paste", "Paste region")
    remove = insert.inverse()
    assert isinstance(remove, RemoveRegions)
    assert remove.items == insert.items
    assert (remove.category, remove.text) == ("delete", "Paste region")
    again = remove.inverse()
    assert isinstance(again, InsertRegions)
    assert (again.items, again.category) == (insert.items, "add")


def test_inverse_of_replace_swaps_before_and_after_and_keeps_the_rest():
    a = box("a")
    edit = ReplaceRegions((a,), (shifted(a, 1, 0),), "label", "Label as Car", "k")
    inverse = edit.inverse()
    assert inverse.before == edit.after
    assert inverse.after == edit.before
    assert (inverse.category, inverse.text, inverse.merge_key) == ("label", "Label as Car", "k")


def test_apply_accepts_a_list_and_returns_a_new_tuple():
    a, b = box("a"), box("b")
    regions = [a]
    out = InsertRegions(((1, b),)).apply(regions)
    assert out == (a, b)
    assert regions == [a]


# -- stale edits -----------------------------------------------------------------------


@NO_DEADLINE
@given(data=st.data())
def test_stale_insert_is_refused_with_edit_error(data):
    rs = data.draw(region_lists())
    edit, _ = data.draw(insert_edits(rs))
    done = edit.apply(rs)
    with pytest.raises(EditError, match="already there"):
        edit.apply(done)  # redo of an add whose regions are already back


@NO_DEADLINE
@given(data=st.data())
def test_stale_remove_of_a_region_gone_since_is_refused_with_edit_error(data):
    rs = data.draw(region_lists(min_size=1))
    edit, _ = data.draw(remove_edits(rs))
    done = edit.apply(rs)
    with pytest.raises(EditError):
        edit.apply(done)  # applied twice
    gone_index, _gone = data.draw(st.sampled_from(edit.items))
    elsewhere = rs[:gone_index] + rs[gone_index + 1 :]
    with pytest.raises(EditError):
        edit.apply(elsewhere)


@NO_DEADLINE
@given(data=st.data())
def test_stale_replace_is_refused_with_edit_error(data):
    rs = data.draw(region_lists(min_size=1))
    edit, _ = data.draw(replace_edits(rs))
    target = data.draw(st.sampled_from(edit.before))
    i = next(i for i, r in enumerate(rs) if r.id == target.id)

    changed_since = (*rs[:i], changed(target), *rs[i + 1 :])
    with pytest.raises(EditError, match="changed since"):
        edit.apply(changed_since)

    removed_since = rs[:i] + rs[i + 1 :]
    with pytest.raises(EditError, match="gone"):
        edit.apply(removed_since)


def test_a_stale_edit_leaves_its_input_as_it_was():
    a, b = box("a"), box("b", x=50)
    regions = [a, b]
    with pytest.raises(EditError):
        ReplaceRegions((changed(a),), (a,)).apply(regions)
    with pytest.raises(EditError):
        RemoveRegions(((0, b),)).apply(regions)
    assert regions == [a, b]


@pytest.mark.parametrize("index", [-1, 3, 10])
def test_insert_at_a_position_that_does_not_exist_is_refused(index):
    a, b = box("a"), box("b")
    with pytest.raises(EditError, match="cannot insert at position"):
        InsertRegions(((index, box("c")),)).apply((a, b))


def test_remove_of_a_region_that_moved_to_another_position_is_refused():
    a, b, c = box("a"), box("b"), box("c")
    delete_c = remove_regions((a, b, c), ["c"])  # c was at 2
    with pytest.raises(EditError, match="not at position 2"):
        delete_c.apply((c, a, b))


def test_stale_remove_of_a_region_changed_since_is_refused():
    a, b = box("a"), box("b", x=50)
    delete_b = remove_regions((a, b), ["b"])
    b_moved = changed(b)
    state = (a, b_moved)
    # Today the changed region is removed and undo brings back the old version:
    # delete_b.inverse().apply(delete_b.apply(state)) == (a, b) != state.
    with pytest.raises(EditError):
        delete_b.apply(state)


def test_edit_error_is_an_input_error():
    assert issubclass(EditError, InputError)


# -- merging nudges --------------------------------------------------------------------


@NO_DEADLINE
@given(
    rs=region_lists(min_size=1),
    data=st.data(),
    first_shift=st.tuples(shift, shift),
    second_shift=st.tuples(shift, shift),
)
def test_two_nudges_with_the_same_key_merge_into_one_equivalent_edit(
    rs, data, first_shift, second_shift
):
    indices = data.draw(st.lists(st.integers(0, len(rs) - 1), min_size=1, unique=True))
    chosen = [rs[i] for i in indices]
    key = "nudge:" + ",".join(r.id for r in chosen)
    first = replace_regions(rs, [shifted(r, *first_shift) for r in chosen], merge_key=key)
    middle = first.apply(rs)
    moved_once = [next(m for m in middle if m.id == r.id) for r in chosen]
    second = replace_regions(
        middle, [shifted(r, *second_shift) for r in moved_once], text="Nudge", merge_key=key
    )

    merged = first.merge(second)

    assert merged is not None
    assert merged.apply(rs) == second.apply(middle)
    assert merged.inverse().apply(merged.apply(rs)) == rs
    assert merged.before == first.before
    assert merged.after == second.after
    assert (merged.category, merged.text, merged.merge_key) == (
        first.category,
        first.text,
        key,
    )


def nudge(regions, ids, dx, key):
    chosen = [r for r in regions if r.id in ids]
    return replace_regions(regions, [shifted(r, dx, 0) for r in chosen], merge_key=key)


def test_nudges_with_different_keys_do_not_merge():
    rs = (box("a"), box("b"))
    first = nudge(rs, {"a"}, 1, "nudge:a")
    second = nudge(first.apply(rs), {"a"}, 1, "drag:a")
    assert first.merge(second) is None


def test_edits_without_a_merge_key_do_not_merge():
    rs = (box("a"),)
    first = nudge(rs, {"a"}, 1, None)
    second = nudge(first.apply(rs), {"a"}, 1, None)
    assert first.merge(second) is None


def test_nudges_of_different_regions_do_not_merge():
    rs = (box("a"), box("b"))
    first = nudge(rs, {"a"}, 1, "nudge")
    second = nudge(first.apply(rs), {"b"}, 1, "nudge")
    assert first.merge(second) is None
    both = nudge(first.apply(rs), {"a", "b"}, 1, "nudge")
    assert first.merge(both) is None


def test_a_nudge_that_does_not_continue_from_the_last_one_does_not_merge():
    rs = (box("a"),)
    first = nudge(rs, {"a"}, 1, "nudge:a")
    from_the_start = nudge(rs, {"a"}, 1, "nudge:a")  # same ids, but made before `first`
    assert first.merge(from_the_start) is None


def test_only_replaces_merge():
    a = box("a")
    replace = nudge((a,), {"a"}, 1, "k")
    insert = InsertRegions(((1, box("b")),))
    remove = RemoveRegions(((0, a),))
    assert replace.merge(insert) is None
    assert insert.merge(insert) is None
    assert remove.merge(remove) is None
    assert insert.merge(replace) is None


# -- replace must keep ids -------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ((box("a"),), (box("b"),)),
        ((box("a"), box("b")), (box("b"), box("a"))),
        ((box("a"),), (box("a"), box("b"))),
        ((box("a"), box("b")), (box("a"),)),
    ],
    ids=["other-id", "other-order", "added", "dropped"],
)
def test_a_replace_that_changes_ids_is_refused(before, after):
    with pytest.raises(EditError, match="keep the regions' ids"):
        ReplaceRegions(before, after)


def test_replace_helper_refuses_regions_not_in_the_annotation():
    with pytest.raises(EditError, match="region zz is not in this annotation"):
        replace_regions((box("a"),), [box("zz")])


# -- helpers: what the undo menu and time attribution see ------------------------------


def test_add_regions_appends_and_names_the_edit():
    a, b, c = box("a"), box("b"), box("c")
    one = add_regions((a,), [b])
    assert one.items == ((1, b),)
    assert (one.category, one.text) == ("add", "Add region")
    assert one.apply((a,)) == (a, b)
    two = add_regions((a,), [b, c])
    assert two.items == ((1, b), (2, c))
    assert (two.category, two.text) == ("add", "Add 2 regions")


def test_pasted_regions_are_their_own_category():
    a, b, c = box("a"), box("b"), box("c")
    paste = add_regions((a,), [b, c], paste=True)
    assert paste.category == "paste"
    assert paste.text == "Paste 2 regions"
    assert add_regions((), [b], paste=True).text == "Paste region"
    assert paste.apply((a,)) == (a, b, c)


def test_remove_regions_records_positions_and_names_the_edit():
    a, b, c = box("a"), box("b"), box("c")
    edit = remove_regions((a, b, c), ["c", "a"])
    assert edit.items == ((0, a), (2, c))
    assert (edit.category, edit.text) == ("delete", "Delete 2 regions")
    assert edit.apply((a, b, c)) == (b,)
    assert edit.inverse().apply((b,)) == (a, b, c)
    assert remove_regions((a, b, c), ["b"]).text == "Delete region"


def test_remove_regions_refuses_an_id_not_in_the_annotation():
    with pytest.raises(EditError, match="not in this annotation"):
        remove_regions((box("a"),), ["a", "zz"])


def test_replace_regions_takes_current_versions_and_defaults():
    a, b = box("a"), box("b")
    a2 = shifted(a, 3, 4)
    edit = replace_regions((a, b), [a2])
    assert edit.before == (a,)
    assert edit.after == (a2,)
    assert (edit.category, edit.text, edit.merge_key) == ("geometry", "Move region", None)
    label = replace_regions(
        (a, b),
        [b.model_copy(update={"labels": ("Truck",)})],
        category="label",
        text="Label as Truck",
    )
    assert (label.category, label.text) == ("label", "Label as Truck")
    assert label.apply((a, b))[1].labels == ("Truck",)
