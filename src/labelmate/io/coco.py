"""COCO JSON import and export (formats.md §4); see coco_read and coco_write for the rules."""

from __future__ import annotations

from labelmate.io.coco_read import read_coco
from labelmate.io.coco_write import ID_BASE, RESULT_FILE, write_coco

__all__ = ["ID_BASE", "RESULT_FILE", "read_coco", "write_coco"]
