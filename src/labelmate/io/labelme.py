"""labelme / X-AnyLabeling JSON: reader in `labelme_read`, writer in `labelme_write`."""

from labelmate.io.labelme_read import box_from_corners, read_labelme
from labelmate.io.labelme_write import LABELME_VERSION, write_labelme

__all__ = ["LABELME_VERSION", "box_from_corners", "read_labelme", "write_labelme"]
