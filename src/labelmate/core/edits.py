"""Edits of an annotation's regions as values with exact inverses.

Every change a user makes on a labeling screen — add, paste, delete, move, resize,
vertex edit, label change — is one of two edits:

* `InsertRegions`: put regions at given positions (add, paste, undo of delete);
* `RemoveRegions`: take regions out of given positions (delete, undo of add);
* `ReplaceRegions`: swap regions for changed copies with the same ids (geometry and
  label changes).

`edit.apply(regions)` returns the new tuple and never mutates; `edit.inverse()` undoes
it exactly, order included. The GUI wraps each edit in a QUndoCommand; the core owns
the semantics so they are tested without Qt.

`category` says what the edit served, for time attribution in self-scoring: geometry
edits serve precision, adding regions completeness, label changes correctness.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from labelmate.core.errors import InputError
from labelmate.core.regions import RegionBase

Category = Literal["add", "delete", "geometry", "label", "paste"]


class EditError(InputError):
    """An edit does not fit the regions it is applied to (a stale undo step)."""


@dataclass(frozen=True, slots=True)
class InsertRegions:
    """Insert `regions` so that each ends up at its paired index, in ascending order."""

    items: tuple[tuple[int, RegionBase], ...]
    category: Category = "add"
    text: str = "Add region"

    def apply(self, regions: Sequence[RegionBase]) -> tuple[RegionBase, ...]:
        out = list(regions)
        ids = {r.id for r in out}
        for index, region in sorted(self.items, key=lambda item: item[0]):
            if region.id in ids:
                raise EditError(f"region {region.id} is already there")
            if not 0 <= index <= len(out):
                raise EditError(f"cannot insert at position {index} of {len(out)}")
            out.insert(index, region)
            ids.add(region.id)
        return tuple(out)

    def inverse(self) -> RemoveRegions:
        return RemoveRegions(self.items, "delete", self.text)

    def merge(self, _later: object) -> None:
        return None


@dataclass(frozen=True, slots=True)
class RemoveRegions:
    """Remove the regions recorded at their indices (as they were before the removal)."""

    items: tuple[tuple[int, RegionBase], ...]
    category: Category = "delete"
    text: str = "Delete region"

    def apply(self, regions: Sequence[RegionBase]) -> tuple[RegionBase, ...]:
        out = list(regions)
        for index, region in sorted(self.items, key=lambda item: item[0], reverse=True):
            if not 0 <= index < len(out) or out[index].id != region.id:
                raise EditError(f"region {region.id} is not at position {index}")
            if out[index] != region:
                raise EditError(f"region {region.id} has changed since this edit was made")
            del out[index]
        return tuple(out)

    def inverse(self) -> InsertRegions:
        return InsertRegions(self.items, "add", self.text)

    def merge(self, _later: object) -> None:
        return None


@dataclass(frozen=True, slots=True)
class ReplaceRegions:
    """Replace each region in `before` by the one with the same id in `after`.

    `merge_key` groups a stream of small edits into one undo step: two consecutive
    replaces with the same key on the same regions merge (arrow-key nudges).
    """

    before: tuple[RegionBase, ...]
    after: tuple[RegionBase, ...]
    category: Category = "geometry"
    text: str = "Move region"
    merge_key: str | None = None

    def __post_init__(self) -> None:
        if [r.id for r in self.before] != [r.id for r in self.after]:
            raise EditError("a replace must keep the regions' ids and order")

    def apply(self, regions: Sequence[RegionBase]) -> tuple[RegionBase, ...]:
        wanted = {old.id: (old, new) for old, new in zip(self.before, self.after, strict=True)}
        out = list(regions)
        found = 0
        for i, region in enumerate(out):
            pair = wanted.get(region.id)
            if pair is None:
                continue
            if region != pair[0]:
                raise EditError(f"region {region.id} has changed since this edit was made")
            out[i] = pair[1]
            found += 1
        if found != len(wanted):
            raise EditError("a region this edit changes is gone")
        return tuple(out)

    def inverse(self) -> ReplaceRegions:
        return ReplaceRegions(self.after, self.before, self.category, self.text, self.merge_key)

    def merge(self, later: object) -> ReplaceRegions | None:
        """One edit doing both, when `later` continues this one (same key, same regions)."""
        if (
            not isinstance(later, ReplaceRegions)
            or self.merge_key is None
            or later.merge_key != self.merge_key
            or [r.id for r in later.before] != [r.id for r in self.after]
            or later.before != self.after
        ):
            return None
        return ReplaceRegions(self.before, later.after, self.category, self.text, self.merge_key)


RegionEdit = InsertRegions | RemoveRegions | ReplaceRegions


def add_regions(
    current: Sequence[RegionBase], new: Sequence[RegionBase], *, paste: bool = False
) -> InsertRegions:
    """Append `new` after the existing regions."""
    n = len(current)
    what = "Paste" if paste else "Add"
    text = f"{what} {_count(len(new))}"
    return InsertRegions(
        tuple((n + i, r) for i, r in enumerate(new)), "paste" if paste else "add", text
    )


def remove_regions(current: Sequence[RegionBase], ids: Sequence[str]) -> RemoveRegions:
    wanted = set(ids)
    items = tuple((i, r) for i, r in enumerate(current) if r.id in wanted)
    if len(items) != len(wanted):
        raise EditError("a region to delete is not in this annotation")
    return RemoveRegions(items, "delete", f"Delete {_count(len(items))}")


def replace_regions(
    current: Sequence[RegionBase],
    after: Sequence[RegionBase],
    *,
    category: Category = "geometry",
    text: str = "Move region",
    merge_key: str | None = None,
) -> ReplaceRegions:
    """An edit turning the current versions of `after`'s regions into `after`."""
    by_id = {r.id: r for r in current}
    try:
        before = tuple(by_id[r.id] for r in after)
    except KeyError as exc:
        raise EditError(f"region {exc.args[0]} is not in this annotation") from None
    return ReplaceRegions(before, tuple(after), category, text, merge_key)


def _count(n: int) -> str:
    return "region" if n == 1 else f"{n} regions"
