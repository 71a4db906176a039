"""The scoring engine for one project and one rubric: `ScoringContext` measures a task's
annotation (against gold when there is one) and lets the rubric engine propose a level
per criterion; `TaskScore` is what comes out. `labelmate.usecases.score` runs it over
a project (`score_project`) or a sample (`start_session`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labelmate.core.errors import InputError, RubricError
from labelmate.core.ids import AnnotationId, TaskId
from labelmate.core.labeling_interface import LabelingInterface
from labelmate.core.metrics import Measurement, measure
from labelmate.core.models import Annotation, Project, Task
from labelmate.core.regions import Choices, Rating, RegionBase, Span, TextAnswer
from labelmate.core.rubric import Rubric, Rule, iter_rules
from labelmate.core.rubric_engine import CriterionResult, Evidence, RubricEvaluator, RubricResult
from labelmate.usecases.labeling import ProjectContext

PROMPT_METRIC = "prompt.findings"
TEXT_OBJECTS = ("text", "hypertext")


def _rule_key(criterion_id: str, level_score: float, metric: str, threshold: str) -> tuple:
    return (criterion_id, float(level_score), metric, threshold)


def rule_op(rule: Rule) -> tuple[str, Any]:
    """(op, threshold) of a rule: ("<=", 3.0), (">=", 0.5), ("between", [1, 2]), ("==", True)."""
    if rule.equals is not None:
        return "==", rule.equals
    if rule.min is not None and rule.max is not None:
        return "between", [rule.min, rule.max]
    if rule.max is not None:
        return "<=", rule.max
    return ">=", rule.min


@dataclass
class ScoringContext:
    """Everything shared by the tasks of one scoring run, prepared once."""

    project: Project
    rubric: Rubric
    rubric_yaml: str
    interface: LabelingInterface
    text_key: str | None
    lint_rules: Any = None  # LintRules when the rubric uses prompt.findings
    rules: dict[tuple, Rule] = field(default_factory=dict)
    summarize: bool = False  # describe each annotation in TaskScore.summary (sessions)
    evaluator: RubricEvaluator | None = None  # `rubric` prepared once; made on first use

    @classmethod
    def build(cls, project: Project, rubric_path: Path | None = None) -> ScoringContext:
        """Parse the config and the rubric (`rubric_path`, else the project's) once."""
        if rubric_path is None and not project.rubric_yaml:
            raise InputError(f"project '{project.name}' has no rubric; give one with --rubric FILE")
        context = ProjectContext.of(project)
        context.interface.raise_for_errors()
        if rubric_path is not None:
            from labelmate.io.rubric_file import load_rubric

            path = Path(rubric_path)
            rubric = load_rubric(path, lint=False).require()
            rubric_yaml = path.read_text(encoding="utf-8").removeprefix("\ufeff")
        else:
            if context.rubric is None:
                first = context.problems[0] if context.problems else "it cannot be read"
                raise RubricError(f"the rubric of project '{project.name}' is invalid: {first}")
            rubric, rubric_yaml = context.rubric, project.rubric_yaml
        text_key = next(
            (
                o.data_key
                for o in context.interface.objects
                if o.tag.lower() in TEXT_OBJECTS and o.data_key
            ),
            None,
        )
        rules: dict[tuple, Rule] = {}
        uses_prompt = False
        for c in rubric.criteria:
            for level in c.levels:
                for rule in iter_rules(level.when):
                    rules.setdefault(
                        _rule_key(c.id, level.score, rule.metric, rule.describe()), rule
                    )
                    uses_prompt |= rule.metric == PROMPT_METRIC
        lint_rules = None
        if uses_prompt:
            from labelmate.usecases.prompt_lint import load_lint_rules

            lint_rules = load_lint_rules()
        return cls(project, rubric, rubric_yaml, context.interface, text_key, lint_rules, rules)

    def task_text(self, task: Task) -> str | None:
        if self.text_key is None:
            return None
        value = task.data.get(self.text_key)
        return value if isinstance(value, str) else None

    def measure(
        self, task: Task, mine: Sequence[RegionBase], gold: Sequence[RegionBase] | None
    ) -> dict[str, Measurement]:
        size = None
        if task.image_width and task.image_height:
            size = (task.image_width, task.image_height)
        out = measure(mine, gold, text=self.task_text(task), image_size=size)
        if self.lint_rules is not None:
            answers = [r for r in mine if isinstance(r, TextAnswer)]
            if answers:
                from labelmate.core.prompt_lint import prompt_metrics

                text = "\n\n".join(t for r in answers for t in r.text)
                out.update(prompt_metrics(text, self.lint_rules))
        return out

    def score(
        self,
        task: Task,
        mine: Annotation,
        mine_regions: Sequence[RegionBase],
        gold: Annotation | None = None,
        gold_regions: Sequence[RegionBase] | None = None,
    ) -> TaskScore:
        """Propose levels for one annotation (`mine`, whose regions are given apart so
        the annotation itself may be a head without them) against `gold`."""
        measured = self.measure(task, mine_regions, None if gold is None else gold_regions or [])
        if self.evaluator is None or self.evaluator.rubric is not self.rubric:
            self.evaluator = RubricEvaluator(self.rubric)
        result = self.evaluator.evaluate(measured)
        assert task.id is not None
        return TaskScore(
            task_id=task.id,
            external_id=task.external_id,
            annotation_id=mine.id,
            gold_id=None if gold is None else gold.id,
            result=result,
            measurements=measured,
            summary=annotation_summary(mine_regions) if self.summarize else "",
        )

    def rule_of(self, criterion_id: str, ev: Evidence) -> Rule | None:
        return self.rules.get(_rule_key(criterion_id, ev.level_score, ev.metric, ev.threshold))

    def evidence_json(
        self,
        criterion_id: str,
        ev: Evidence,
        measurements: Mapping[str, Measurement] | None = None,
        *,
        full: bool = False,
    ) -> dict[str, Any]:
        """{"metric", "value", "threshold", "op", "source"}; with `full`, also the level,
        whether it passed, the message and the regions it came from (session snapshots)."""
        rule = self.rule_of(criterion_id, ev)
        op, threshold = rule_op(rule) if rule is not None else ("", ev.threshold)
        out: dict[str, Any] = {
            "metric": ev.metric,
            "value": ev.value,
            "threshold": threshold,
            "op": op,
            "source": ev.source,
        }
        if full:
            m = (measurements or {}).get(ev.metric)
            out |= {
                "level_score": ev.level_score,
                "level_name": ev.level_name,
                "passed": ev.passed,
                "matched": ev.matched_level,
                "rule": ev.threshold,
                "message": ev.message,
                "detail": ev.detail,
                "region_ids": list(m.region_ids) if m is not None else [],
            }
        return out


@dataclass(frozen=True)
class TaskScore:
    """One task's proposed levels with their evidence."""

    task_id: TaskId
    external_id: str
    annotation_id: AnnotationId | None
    gold_id: AnnotationId | None
    result: RubricResult
    measurements: Mapping[str, Measurement]
    summary: str = ""

    @property
    def has_gold(self) -> bool:
        return self.gold_id is not None


def proposed_by(result: CriterionResult) -> str:
    """rule | manual | none, as the JSON output names who decided the level."""
    if result.status == "proposed":
        return "rule"
    if result.status == "manual":
        return "manual"
    return "none"


# --- annotation summaries ---------------------------------------------------------------

_NOUNS = {
    "box": ("box", "boxes"),
    "polygon": ("polygon", "polygons"),
    "keypoint": ("keypoint", "keypoints"),
    "span": ("span", "spans"),
}


def annotation_summary(regions: Sequence[RegionBase]) -> str:
    """What an annotation holds, in a few words: `3 boxes (2 Solder Bridge, 1 Scratch)`."""
    parts: list[str] = []
    shapes: dict[str, list[RegionBase]] = {}
    for r in regions:
        kind = getattr(r, "type", "")
        if kind in _NOUNS:
            shapes.setdefault(kind, []).append(r)
    for kind, group in shapes.items():
        one, many = _NOUNS[kind]
        labels = Counter(label for r in group for label in r.labels)
        shown = ", ".join(f"{n} {label}" for label, n in labels.most_common(3))
        if len(labels) > 3:
            shown += ", …"
        noun = one if len(group) == 1 else many
        parts.append(f"{len(group)} {noun}" + (f" ({shown})" if shown else ""))
        if kind == "span":
            texts = [r.text for r in group if isinstance(r, Span) and r.text]
            if len(group) == 1 and texts:
                parts[-1] += f" “{_clip(texts[0], 30)}”"
    for r in regions:
        if isinstance(r, Choices):
            parts.append(f"{r.control}: {', '.join(r.labels) or '—'}")
        elif isinstance(r, Rating):
            parts.append(f"{r.control}: {r.rating}")
        elif isinstance(r, TextAnswer):
            text = " ".join(r.text)
            parts.append(f"{r.control}: “{_clip(text, 40)}” ({len(text)} chars)")
    return "; ".join(parts) if parts else "nothing labeled"


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
