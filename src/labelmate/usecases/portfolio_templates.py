"""Portfolio template folders and their Jinja2 environments (HTML autoescaped, Markdown escaped)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound
from markupsafe import Markup

from labelmate.core.errors import InputError, Location, NotFoundError
from labelmate.paths import data_dir

# --- templates ------------------------------------------------------------------------------


def template_dir(name_or_path: str) -> Path:
    """A template folder: a shipped template's name or the path of the user's own."""
    candidate = Path(name_or_path).expanduser()
    if candidate.is_dir():
        folder = candidate
    else:
        folder = data_dir("portfolio_templates") / name_or_path
        if "/" in name_or_path or "\\" in name_or_path or not folder.is_dir():
            raise NotFoundError(
                f"no portfolio template '{name_or_path}' "
                f"(shipped: {', '.join(shipped_templates())})"
            )
    for needed in ("portfolio.html.j2", "portfolio.md.j2"):
        if not (folder / needed).is_file():
            raise InputError(
                f"the template folder has no {needed}", Location(file=str(folder / needed))
            )
    return folder


def shipped_templates() -> list[str]:
    root = data_dir("portfolio_templates")
    return sorted(p.name for p in root.iterdir() if (p / "portfolio.html.j2").is_file())


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def md_escape(value: Any) -> str:
    """Plain text made inert in GitHub Markdown: HTML and Markdown syntax escaped."""
    text = str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return " ".join(text.split()) if "\n" in text else text


def _md_finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    return md_escape(value)


def _environment(folder: Path, kind: str) -> Environment:
    if kind == "html":
        env = Environment(
            loader=FileSystemLoader(folder),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    else:
        env = Environment(
            loader=FileSystemLoader(folder),
            autoescape=False,
            finalize=_md_finalize,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    env.filters["num"] = _num
    env.filters["pct"] = _pct
    return env


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _render(env: Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except TemplateNotFound as exc:
        raise InputError(f"the template has no {exc.name}") from None
