"""Shared portfolio types: the build options, the report, and a chosen project."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from labelmate.core.labeling_interface import LabelingInterface
from labelmate.core.models import Project
from labelmate.usecases.portfolio_profile import Profile

DEFAULT_TEMPLATE = "classic"
DEFAULT_SAMPLES = 12
DEFAULT_QUERIES = 8  # the most recently answered queries shown when none are chosen

# --- options and report ---------------------------------------------------------------------


@dataclass
class PortfolioOptions:
    out_dir: Path
    template: str = DEFAULT_TEMPLATE  # a name under portfolio_templates/, or a folder path
    formats: Sequence[str] = ("html",)
    projects: Sequence[str] | None = None  # None: every shareable project
    profile: Profile | None = None
    redact: bool = False
    samples: int = DEFAULT_SAMPLES
    replace: bool = False
    queries: Sequence[int] | None = None  # query ids to show; None: the latest answered


@dataclass
class PortfolioReport:
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    skipped_confidential: list[str] = field(default_factory=list)
    samples: int = 0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"Portfolio of {len(self.projects)} project(s), {self.samples} sample(s) "
            f"written to {self.out_dir}"
        ]
        out += [f"  wrote {f}" for f in self.files]
        if self.skipped_confidential:
            out.append(f"  left out {len(self.skipped_confidential)} confidential project(s)")
        out += [f"  note: {n}" for n in self.notes]
        return out


@dataclass
class _Project:
    project: Project
    interface: LabelingInterface
    type: str
    colours: dict[str, dict[str, str | None]]
    slug: str

    @property
    def is_image(self) -> bool:
        return any(c.is_image_control for c in self.interface.controls)

    @property
    def has_spans(self) -> bool:
        return any(c.region_type == "span" for c in self.interface.controls)

    def text_key(self) -> str | None:
        for obj in self.interface.objects:
            if obj.tag.lower() in ("text", "hypertext") and obj.data_key:
                return obj.data_key
        return None
