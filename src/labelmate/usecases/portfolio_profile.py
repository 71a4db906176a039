"""The portfolio profile: the small YAML header file the user edits, read and validated."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from labelmate.core.errors import InputError, Location

# --- the profile file -----------------------------------------------------------------------


class ProfileLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1)
    url: str = Field(min_length=1)


class Profile(BaseModel):
    """The portfolio header: a small YAML file the user edits.

    ```yaml
    name: Ada Example
    focus: Computer-vision annotation (boxes, polygons) and sentiment labeling
    tools: [Labelmate, Label Studio, CVAT]
    data_types: [images, text]
    links:
      - {label: GitHub, url: https://github.com/ada}
    ```
    """

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    focus: str = ""
    tools: list[str] = Field(default_factory=list)
    data_types: list[str] = Field(default_factory=list)
    links: list[ProfileLink] = Field(default_factory=list)


def load_profile(path: Path) -> Profile:
    """Read and validate a profile file; every problem names the field."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"cannot read the profile: {exc.strerror or exc}", Location(file=str(path))
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"the profile is not valid YAML: {getattr(exc, 'problem', exc)}",
            Location(file=str(path), line=mark.line + 1 if mark else None),
        ) from None
    if not isinstance(raw, dict):
        raise InputError(
            "the profile must be a mapping with name, focus, tools, data_types, links",
            Location(file=str(path)),
        )
    try:
        return Profile.model_validate(raw)
    except ValidationError as exc:
        msgs = [
            f"{'.'.join(str(p) for p in err['loc']) or 'profile'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise InputError("invalid profile — " + "; ".join(msgs), Location(file=str(path))) from None
