"""YOLO dataset import and export (formats.md §5); see yolo_read and yolo_write for the rules."""

from __future__ import annotations

from labelmate.io.yolo_read import read_yolo
from labelmate.io.yolo_write import DECIMALS, write_yolo

__all__ = ["DECIMALS", "read_yolo", "write_yolo"]
