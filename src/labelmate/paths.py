"""Where the data folders shipped with Labelmate live.

The repository keeps `resources/`, `rubrics/` and `portfolio_templates/` at its top
level. An editable install reads them there; a built wheel carries them inside the
package as `labelmate/_data/<folder>` (see `force-include` in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from labelmate.core.errors import LabelmateError

DataFolder = Literal["resources", "rubrics", "portfolio_templates"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: DataFolder) -> Path:
    """The folder `name`, from a wheel install first, else from the source tree."""
    candidates = (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parents[1] / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise LabelmateError(
        f"Labelmate's '{name}' folder is missing (looked in {tried}); reinstall Labelmate."
    )


def resource_path(*parts: str) -> Path:
    return data_dir("resources").joinpath(*parts)


def rubric_path(rubric_id: str) -> Path:
    return data_dir("rubrics") / f"{rubric_id}.yaml"
