"""The class → id map that COCO, YOLO and VOC exports share.

Label Studio's converter sorts class names alphabetically, so adding a label
renumbers the others (formats.md §8 pitfall 8). We number classes in *config
order* instead, or by the `category` attribute when every label of the image
controls carries one, and write the map into the export (COCO categories,
classes.txt, data.yaml) so the ids are explicit, never inferred.
"""

from __future__ import annotations

from dataclasses import dataclass

from labelmate.core.errors import ConfigError, Location
from labelmate.core.labeling_interface import LabelingInterface


@dataclass(frozen=True, slots=True)
class ClassMap:
    names: tuple[str, ...]  # index i has id ids[i]
    ids: tuple[int, ...]
    source: str  # "category" or "config order"

    def id_of(self, name: str) -> int | None:
        try:
            return self.ids[self.names.index(name)]
        except ValueError:
            return None

    def as_dict(self) -> dict[int, str]:
        return dict(zip(self.ids, self.names, strict=True))

    def dense(self) -> bool:
        """True when ids run 0..n-1 in order, as YOLO's classes.txt requires."""
        return self.ids == tuple(range(len(self.ids)))


def image_class_map(
    interface: LabelingInterface, region_types: frozenset[str] | None = None
) -> ClassMap:
    """Classes of the image controls (boxes, polygons, keypoints), in config order.

    A label offered by two controls is one class. `region_types` narrows the
    controls, e.g. {"box"} for a detection export.
    """
    names: list[str] = []
    categories: list[int | None] = []
    for control in interface.controls:
        if not control.is_image_control:
            continue
        if region_types is not None and control.region_type not in region_types:
            continue
        for option in control.options:
            if option.result_value not in names:
                names.append(option.result_value)
                categories.append(option.category)
    if names and all(c is not None for c in categories):
        ids = tuple(c for c in categories if c is not None)
        if len(set(ids)) != len(ids):
            raise ConfigError(
                "two labels share one 'category' id; each class needs its own",
                Location(file=interface.source),
            )
        return ClassMap(tuple(names), ids, "category")
    return ClassMap(tuple(names), tuple(range(len(names))), "config order")
