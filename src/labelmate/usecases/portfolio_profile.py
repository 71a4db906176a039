"""The portfolio profile: the small YAML header file the user edits, read and validated.

It lives beside the workspace as `profile.yaml` (the portfolio dialog edits it; it is
plain YAML for hand editing too), and `labelmate portfolio` uses it unless `--profile`
names another file.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from labelmate.core.errors import InputError, Location
from labelmate.io.atomic import write_text_atomic

PROFILE_FILENAME = "profile.yaml"

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


def _field_errors(exc: ValidationError) -> list[str]:
    return [
        f"{'.'.join(str(p) for p in err['loc']) or 'profile'}: {err['msg']}" for err in exc.errors()
    ]


def profile_from_form(name: str, focus: str, tools: str, data_types: str, links: str) -> Profile:
    """The profile as typed in a form: lists comma-separated, one link per line with
    its address last ("GitHub https://github.com/ada"). Errors name the field."""

    def items(text: str) -> list[str]:
        return [part.strip() for part in text.split(",") if part.strip()]

    if not name.strip():
        raise InputError("profile — name: add your name; it heads the portfolio")
    link_rows = []
    for line in links.splitlines():
        words = line.split()
        if words:
            link_rows.append({"label": " ".join(words[:-1]) or words[-1], "url": words[-1]})
    try:
        return Profile(
            name=name.strip(),
            focus=focus.strip(),
            tools=items(tools),
            data_types=items(data_types),
            links=link_rows,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        raise InputError("profile — " + "; ".join(_field_errors(exc))) from None


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
        raise InputError(
            "invalid profile — " + "; ".join(_field_errors(exc)), Location(file=str(path))
        ) from None


def profile_path(workspace_path: Path) -> Path:
    """Where the profile of the workspace at `workspace_path` is kept."""
    return Path(workspace_path).parent / PROFILE_FILENAME


def saved_profile(workspace_path: Path) -> Profile | None:
    """The workspace's profile, or None when the user has not written one yet."""
    path = profile_path(workspace_path)
    return load_profile(path) if path.is_file() else None


def save_profile(profile: Profile, path: Path) -> None:
    """Write the profile as readable YAML, atomically (a crash keeps the old file)."""
    data = profile.model_dump(exclude_defaults=True)
    data["name"] = profile.name
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    write_text_atomic(Path(path), "# Labelmate portfolio profile\n" + text)
