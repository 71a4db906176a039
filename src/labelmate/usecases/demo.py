"""`labelmate demo`: put the demo practice pack into a workspace.

The pack is generated offline and deterministically, so running the command again
rewrites identical media files and adds no project twice. All projects go in under
one transaction: if anything fails, the workspace is left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from labelmate.core.errors import LabelmateError, Location
from labelmate.core.labeling_interface import parse_labeling_config
from labelmate.core.models import Project
from labelmate.demo import build_demo_pack
from labelmate.paths import rubric_path
from labelmate.usecases.workspace import open_workspace, resolve_workspace_path


@dataclass
class DemoReport:
    workspace: Path
    media_dir: Path
    added: list[tuple[str, int, str]] = field(default_factory=list)  # name, tasks, rubric
    already_there: list[str] = field(default_factory=list)
    # Agreement projects: name -> the annotators whose peer work they hold (no gold).
    annotators: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def first_project(self) -> str | None:
        names = [name for name, _, _ in self.added] + self.already_there
        return names[0] if names else None

    def lines(self) -> list[str]:
        out = []
        for name, count, rubric in self.added:
            who = self.annotators.get(name)
            what = (
                f"{count} tasks labelled by {', '.join(who)} to adjudicate"
                if who
                else f"{count} tasks with gold answers"
            )
            out.append(f"Added '{name}': {what}, rubric {rubric}")
        out += [f"Already in the workspace: '{name}'" for name in self.already_there]
        out.append(f"Workspace: {self.workspace}")
        out.append(f"Demo media: {self.media_dir}")
        return out


def demo_media_dir(workspace_path: Path) -> Path:
    return workspace_path.parent / f"{workspace_path.stem}-media" / "demo"


def install_demo(workspace: Path | None) -> DemoReport:
    ws_path = resolve_workspace_path(workspace)
    media = demo_media_dir(ws_path)
    report = DemoReport(workspace=ws_path, media_dir=media)
    pack = build_demo_pack(media)
    with open_workspace(ws_path) as ws, ws.transaction():
        for demo in pack:
            if ws.project_by_name(demo.name) is not None:
                report.already_there.append(demo.name)
                continue
            interface = parse_labeling_config(demo.config_xml, source=f"demo:{demo.slug}")
            interface.raise_for_errors()
            rubric_file = rubric_path(demo.rubric_id)
            if not rubric_file.is_file():
                raise LabelmateError(
                    f"shipped rubric '{demo.rubric_id}' is missing", Location(file=str(rubric_file))
                )
            project = ws.add_project(
                Project(
                    name=demo.name,
                    config_xml=demo.config_xml,
                    rubric_id=demo.rubric_id,
                    rubric_yaml=rubric_file.read_text(encoding="utf-8"),
                    description=demo.description,
                    media_root=str(media),
                )
            )
            tasks = []
            for index, task in enumerate(demo.tasks, start=1):
                problems = interface.check_task_data(
                    task.data, Location(file=f"demo:{demo.slug}", field=f"task {index}")
                )
                if problems:
                    raise LabelmateError(problems[0].format())
                tasks.append(task.model_copy(update={"project_id": project.id}))
            stored = ws.add_tasks(tasks)
            for task in stored:
                gold = demo.gold.get(task.external_id)
                if gold is not None:
                    ws.add_annotation(gold.model_copy(update={"task_id": task.id}))
                for peer in demo.peers.get(task.external_id, []):
                    ws.add_annotation(peer.model_copy(update={"task_id": task.id}))
            report.added.append((demo.name, len(stored), demo.rubric_id))
            if demo.peers:
                names = {a.author for peers in demo.peers.values() for a in peers}
                report.annotators[demo.name] = tuple(sorted(names))
    return report
