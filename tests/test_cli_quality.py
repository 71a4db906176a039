"""The `labelmate` quality commands as a user runs them: agreement, query, score."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_runner import labelmate
from labelmate.cli import build_parser

# --- labelmate agreement ------------------------------------------------------------

RATINGS_CSV = (
    "review,alice,bob\n"
    "r1,Positive,Positive\n"
    "r2,Negative,Neutral\n"
    "r3,Neutral,Neutral\n"
    "r4,Positive,\n"
    "r5,Negative,Negative\n"
)


def test_agreement_has_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["agreement", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: labelmate agreement")
    assert "--level" in out and "--json" in out


def test_agreement_prints_a_table_and_json(tmp_path):

    path = tmp_path / "ratings.csv"
    path.write_text(RATINGS_CSV, encoding="utf-8")
    text = labelmate("agreement", str(path))
    assert text.returncode == 0, text.stderr
    assert "items       5" in text.stdout and "raters      2" in text.stdout
    assert "Cohen's kappa " in text.stdout and "n/a  (items have between 1 and 2" in text.stdout

    result = labelmate("agreement", str(path), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["items"], data["raters"]) == (5, 2)
    assert data["percent_agreement"] == 0.75  # 3 of the 4 items both rated
    assert data["fleiss_kappa"] is None and "fleiss_kappa" in data["notes"]
    for key in ("cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic", "scott_pi"):
        assert isinstance(data[key], float)
    assert isinstance(data["krippendorff_alpha"], float)


def test_agreement_at_interval_level_on_numbers(tmp_path):

    path = tmp_path / "scores.csv"
    rows = ["1,2,", "2,2,3", "3,3,3", "4,5,4", "1,1,2"]
    path.write_text("item,a,b,c\n" + "".join(f"i{n},{r}\n" for n, r in enumerate(rows)))
    result = labelmate("agreement", str(path), "--level", "interval", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["level"] == "interval" and data["raters"] == 3
    assert data["cohen_kappa"] is None
    assert data["notes"]["cohen_kappa"] == "needs exactly two raters; the table has 3"
    assert 0 < data["krippendorff_alpha"] <= 1


def test_agreement_errors_name_file_line_and_column_and_exit_2(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text(RATINGS_CSV, encoding="utf-8")
    result = labelmate("agreement", str(path), "--level", "interval")
    assert result.returncode == 2 and result.stdout == ""
    assert f"labelmate: {path}:2:2: 'Positive' is not a number" in result.stderr

    broken = tmp_path / "broken.csv"
    broken.write_text("item,a,b\nx,1\n", encoding="utf-8")
    result = labelmate("agreement", str(broken))
    assert result.returncode == 2
    assert f"labelmate: {broken}:2: 2 cells, but the header (line 1) has 3" in result.stderr

    result = labelmate("agreement", str(tmp_path / "missing.csv"))
    assert result.returncode == 2 and "cannot read" in result.stderr
    assert "Traceback" not in result.stderr


# --- labelmate query ----------------------------------------------------------------

PCB = "PCB defects — boxes"


@pytest.mark.parametrize("command", [["query"], ["query", "draft"], ["query", "lint"]])
def test_query_commands_have_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: labelmate {' '.join(command)}")
    assert "--workspace" in out


@pytest.fixture(scope="module")
def query_workspace(tmp_path_factory) -> Path:
    """The demo pack with a 'mine' box on pcb-002 whose left edge is 7 px outside gold."""
    from labelmate.core.models import Annotation, AnnotationKind
    from labelmate.store import Workspace
    from labelmate.usecases.demo import install_demo

    path = tmp_path_factory.mktemp("query-cli") / "ws.labelmate"
    install_demo(path)
    with Workspace.open(path) as ws:
        project = ws.project_by_name(PCB)
        task_id = ws.task_identities(project.id)["pcb-002"][0]
        (gold,) = ws.annotations_for_task(task_id, AnnotationKind.GOLD)
        (g,) = gold.regions
        mine = g.model_copy(update={"id": "m1", "x": g.x - 7, "width": g.width + 7})
        ws.add_annotation(
            Annotation(task_id=task_id, author="me", kind=AnnotationKind.MINE, regions=[mine])
        )
    return path


def test_query_draft_prints_a_lint_clean_query_in_each_style(query_workspace, tmp_path):
    ws = str(query_workspace)
    base = ("query", "draft", "--workspace", ws, "--project", PCB, "--task", "pcb-002")
    short = labelmate(*base)
    assert short.returncode == 0, short.stderr
    assert short.stderr == ""
    text = short.stdout.strip()
    assert "\n" not in text
    assert text.startswith("On item pcb-002, box m1 (Solder Bridge) falls short of Precision")
    assert "box.max_outside_px = 7 px, needs ≤ 6 px" in text
    assert text.endswith("change it until box.max_outside_px ≤ 6?")
    email = labelmate(*base, "--style", "email", "--criteria", "completeness")
    assert email.returncode == 0, email.stderr
    assert email.stdout.startswith(
        "Subject: Query on item pcb-002: Completeness vs Precision (Geometry)\n\nHello,\n"
    )
    checklist = labelmate(*base, "--style", "checklist", "--region", "m1")
    assert checklist.returncode == 0, checklist.stderr
    assert "[ ] Question: Should I keep box m1 as it is" in checklist.stdout
    for n, result in enumerate((short, email, checklist)):
        path = tmp_path / f"q{n}.txt"
        path.write_text(result.stdout, encoding="utf-8")
        lint = labelmate("query", "lint", str(path))
        assert lint.returncode == 0, lint.stdout


def test_query_draft_json_is_the_draft_and_its_text(query_workspace):
    result = labelmate(
        "query", "draft", "--json", "--workspace", str(query_workspace),
        "--project", PCB, "--task", "pcb-002", "--style", "checklist",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == [
        "item_id", "region_id", "target", "project", "rubric_id", "rubric_title", "criteria",
        "rules", "facts", "conflict", "options", "choice", "question", "text",
    ]  # fmt: skip
    assert data["item_id"] == "pcb-002" and data["region_id"] == "m1"
    assert data["rules"][0]["rule"] == "box.max_outside_px ≤ 6"
    assert data["rules"][0]["value"] == 7.0 and data["rules"][0]["holds"] is False
    assert data["choice"] == 0 and len(data["options"]) == 2
    assert data["text"].startswith("Clarification query: item pcb-002")


def test_query_draft_errors_exit_1_or_2_without_a_traceback(query_workspace, tmp_path):
    ws = str(query_workspace)
    cases = {
        ("--project", "Nope", "--task", "pcb-002"): "no project 'Nope'",
        ("--project", PCB, "--task", "pcb-999"): f"project '{PCB}' has no task 'pcb-999'",
        ("--project", PCB, "--task", "pcb-002", "--criteria", "speed"): "no criterion 'speed'",
        ("--project", PCB, "--task", "pcb-002", "--region", "zz"): "no region 'zz'",
    }
    for args, words in cases.items():
        result = labelmate("query", "draft", "--workspace", ws, *args)
        assert result.returncode == 1, (args, result.stderr)
        assert result.stdout == "" and words in result.stderr
        assert "Traceback" not in result.stderr
    from labelmate.usecases.query import shipped_settings_path

    broken = tmp_path / "templates.yaml"
    shipped = shipped_settings_path().read_text(encoding="utf-8")
    broken.write_text(shipped.replace("max_words: 200", "max_words: lots"), encoding="utf-8")
    result = labelmate(
        "query", "draft", "--workspace", ws, "--project", PCB, "--task", "pcb-002",
        "--templates", str(broken),
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    assert f"labelmate: {broken}:" in result.stderr
    assert "rule 'over-long': 'max_words' should be a whole number, got 'lots'" in result.stderr


def test_query_lint_prints_findings_and_exits_1_on_errors(tmp_path):

    path = tmp_path / "query.txt"
    path.write_text("I'm confused, what should I do\n", encoding="utf-8")
    result = labelmate("query", "lint", str(path))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f'{path}: error: "I\'m confused" gives the project manager')
    assert [line.rsplit("[", 1)[1] for line in lines] == [
        "vague-without-reference]",
        "vague-without-reference]",
        "no-item-id]",
        "no-rule-named]",
        "no-question]",
    ]
    as_json = labelmate("query", "lint", "--json", str(path))
    assert as_json.returncode == 1
    data = json.loads(as_json.stdout)
    assert list(data) == ["findings"]
    for finding in data["findings"]:
        assert list(finding) == ["rule", "severity", "message"]
    assert {
        "rule": "no-item-id",
        "severity": "error",
        "message": 'no item id — say which item it is about, e.g. "item #123" or "task pcb-002"',
    } in data["findings"]


def test_query_lint_exits_0_when_clean_or_with_warnings_only(tmp_path):

    clean = tmp_path / "clean.txt"
    clean.write_text(
        "On item #123 the box is 7 px outside, above the 6 px that Precision 'Acceptable' "
        "allows. Should I tighten it?\n",
        encoding="utf-8",
    )
    result = labelmate("query", "lint", str(clean))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    as_json = labelmate("query", "lint", str(clean), "--json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == {"findings": []}
    warned = tmp_path / "warned.txt"
    warned.write_text("On item #123 the box looks off. Should I redraw it? Or drop it?\n")
    result = labelmate("query", "lint", str(warned))
    assert result.returncode == 0
    assert [line.rsplit("[", 1)[1] for line in result.stdout.splitlines()] == [
        "no-rule-named]",
        "several-questions]",
    ]


def test_query_lint_exits_2_when_the_query_cannot_be_read(tmp_path):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Caf\xe9?".encode("latin-1"))
    cases = {
        tmp_path / "missing.txt": "cannot read query: no such file",
        tmp_path: "cannot read query: is a directory",
        latin1: "cannot read query: not UTF-8 text (byte 3)",
    }
    for path, words in cases.items():
        result = labelmate("query", "lint", str(path), "--json")
        assert result.returncode == 2, (path, result.stderr)
        assert result.stdout == ""
        assert f"labelmate: {path}: error: {words}" in result.stderr
        assert "Traceback" not in result.stderr


# --- labelmate agreement --project ----------------------------------------------------

PCB_AGREEMENT = "PCB defects — three annotators"
REVIEW_AGREEMENT = "Movie reviews — three annotators"


@pytest.fixture(scope="module")
def agreement_workspace(tmp_path_factory) -> Path:
    """The demo pack: its three-annotator projects hold ana's, ben's and chen's work."""
    from labelmate.usecases.demo import install_demo

    path = tmp_path_factory.mktemp("agreement-cli") / "ws.labelmate"
    install_demo(path)
    return path


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "give either RATINGS.csv or --project NAME --control NAME (exactly one)"),
        (("r.csv", "--project", "P", "--control", "c"), "give either RATINGS.csv or"),
        (("--project", "P"), "--project needs --control NAME"),
        (("--project", "P", "--control", "c", "--level", "ordinal"), "--level applies to a"),
        (("r.csv", "--iou", "0.3"), "--control and --iou go with --project"),
    ],
)
def test_agreement_usage_errors_exit_2(args, words):
    result = labelmate("agreement", *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("usage: labelmate agreement")
    assert f"labelmate agreement: error: {words}" in result.stderr


def test_agreement_in_a_project_as_json(agreement_workspace):

    ws = str(agreement_workspace)
    base = ("agreement", "--workspace", ws, "--project", PCB_AGREEMENT, "--control", "defect")
    result = labelmate(*base, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["project"] == PCB_AGREEMENT and data["control"] == "defect"
    assert (data["kind"], data["control_tag"], data["statistic"]) == (
        "box",
        "RectangleLabels",
        "f1",
    )
    assert data["annotators"] == ["ana", "ben", "chen"] and data["tasks"] == 8
    assert data["iou_threshold"] == 0.5
    matrix = data["matrix"]
    assert [matrix[i][i] for i in range(3)] == [None, None, None]
    assert all(matrix[i][j] == matrix[j][i] and 0 < matrix[i][j] < 1 for i, j in [(0, 1), (1, 2)])
    assert set(data["matrices"]) == {"f1", "mean_iou"}
    assert [(p["a"], p["b"]) for p in data["pairs"]] == [
        ("ana", "ben"),
        ("ana", "chen"),
        ("ben", "chen"),
    ]
    for key in ("precision", "recall", "f1", "mean_iou", "matched", "per_label", "notes"):
        assert key in data["pairs"][0]
    assert set(data["overall"]) == {"mean_f1", "mean_iou"}
    assert data["tasks_detail"][0]["value"] < 1

    strict = json.loads(labelmate(*base, "--iou", "0.9", "--json").stdout)
    assert strict["iou_threshold"] == 0.9
    assert strict["overall"]["mean_f1"] < data["overall"]["mean_f1"]


def test_agreement_in_a_project_prints_the_matrix(agreement_workspace):
    result = labelmate(
        "agreement", "--workspace", str(agreement_workspace),
        "--project", REVIEW_AGREEMENT, "--control", "sentiment",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"Agreement on 'sentiment' (Choices: classification) in '{REVIEW_AGREEMENT}'" in out
    assert "Cohen's kappa  (matrix statistic)" in out and "fleiss_kappa" in out
    assert "review-006" in out  # the least agreement: a three-way split


def test_agreement_in_a_project_errors_exit_1(agreement_workspace):
    ws = str(agreement_workspace)
    result = labelmate(
        "agreement", "--workspace", ws, "--project", PCB_AGREEMENT, "--control", "nope"
    )
    assert result.returncode == 1
    assert f"project '{PCB_AGREEMENT}' has no control named 'nope' (controls: defect)" in (
        result.stderr
    )
    result = labelmate("agreement", "--workspace", ws, "--project", "Nope", "--control", "x")
    assert result.returncode == 1 and "no project named 'Nope'" in result.stderr
    result = labelmate(
        "agreement", "--workspace", ws, "--project", PCB_AGREEMENT, "--control", "defect",
        "--iou", "0",
    )  # fmt: skip
    assert result.returncode == 1 and "--iou must be above 0" in result.stderr
    assert "Traceback" not in result.stderr


# --- labelmate score ------------------------------------------------------------------

PCB_DEMO = "PCB defects — boxes"


@pytest.fixture(scope="module")
def score_workspace(tmp_path_factory):
    """The demo pack with a 'mine' annotation on every PCB board: the gold boxes, the
    first one 4 px wider to the left on every third board (precision drops a level)."""
    from labelmate.core.models import Annotation, AnnotationKind
    from labelmate.store import Workspace
    from labelmate.usecases.demo import install_demo

    ws_path = tmp_path_factory.mktemp("score") / "ws.labelmate"
    install_demo(ws_path)
    with Workspace.open(ws_path) as ws:
        project = ws.project_by_name(PCB_DEMO)
        for n, task in enumerate(ws.list_tasks(project.id)):
            (gold,) = ws.annotations_for_task(task.id, AnnotationKind.GOLD)
            regions = [r.model_copy(update={"id": f"m{i}"}) for i, r in enumerate(gold.regions)]
            if n % 3 == 0 and regions:
                first = regions[0]
                regions[0] = first.model_copy(update={"x": first.x - 4, "width": first.width + 4})
            ws.add_annotation(Annotation(task_id=task.id, author="me", regions=regions))
    return ws_path


def test_score_help():
    out = build_parser().format_help()
    assert "score" in out
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["score", "--help"])
    assert exit_info.value.code == 0


def test_score_json_on_the_demo_pack_has_exactly_the_documented_shape(score_workspace):

    result = labelmate(
        "score", "--workspace", str(score_workspace), "--project", PCB_DEMO, "--json"
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"rubric", "tasks", "summary"} and out["rubric"] == "pcb-defect-boxes"
    assert len(out["tasks"]) == 12
    for task in out["tasks"]:
        assert set(task) == {"task", "total", "criteria"}
        assert task["task"].startswith("pcb-") and 0 <= task["total"] <= 100
        assert [c["id"] for c in task["criteria"]] == [
            "correctness", "completeness", "precision", "clarity"
        ]  # fmt: skip
        for c in task["criteria"]:
            assert set(c) == {"id", "level_score", "level_name", "proposed_by", "evidence"}
            for e in c["evidence"]:
                assert set(e) == {"metric", "value", "threshold", "op", "source"}
                assert e["op"] in ("<=", ">=", "between", "==") and e["source"] == "gold"
    first = out["tasks"][0]["criteria"]
    assert first[2]["level_score"] == 3 and first[2]["proposed_by"] == "rule"
    assert {"metric": "box.max_outside_px", "value": 4.0, "threshold": 3.0, "op": "<=",
            "source": "gold"} in first[2]["evidence"]  # fmt: skip
    assert first[3] == {"id": "clarity", "level_score": None, "level_name": None,
                        "proposed_by": "none", "evidence": []}  # fmt: skip
    summary = out["summary"]
    assert summary["tasks_scored"] == 12 and summary["which"] == "mine"
    assert summary["seed"] is None and summary["sample_size"] is None
    precision = next(c for c in summary["criteria"] if c["id"] == "precision")
    assert precision["count"] == 12
    assert precision["mean_level_score"] == pytest.approx((4 * 3 + 8 * 5) / 12)


def test_score_sample_is_reproducible_and_the_seed_is_reported(score_workspace):

    def run(*extra: str) -> dict:
        result = labelmate("score", "--workspace", str(score_workspace), "--project", PCB_DEMO,
                           "--json", *extra)  # fmt: skip
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    first = run("--sample", "5")
    seed = first["summary"]["seed"]
    assert isinstance(seed, int) and first["summary"]["sample_size"] == 5
    again = run("--sample", "5", "--seed", str(seed))
    assert [t["task"] for t in again["tasks"]] == [t["task"] for t in first["tasks"]]
    assert again == first


def test_score_text_table(score_workspace):
    result = labelmate("score", "--workspace", str(score_workspace), "--project", PCB_DEMO,
                       "--sample", "2", "--seed", "1")  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["Task", "Criterion", "Level", "(n/5)", "Total"]
    assert "Precision (Geometry)" in result.stdout and "Gold Standard (5/5)" in result.stdout
    assert lines[-1] == "Same tasks again: --sample 2 --seed 1"


def test_score_errors_exit_2_with_a_clear_message(score_workspace, tmp_path):
    from labelmate.core.models import Project
    from labelmate.store import Workspace

    ws = str(score_workspace)
    result = labelmate("score", "--workspace", ws, "--project", "Nope")
    assert result.returncode == 2 and "no project named 'Nope'" in result.stderr
    result = labelmate("score", "--workspace", ws, "--project", PCB_DEMO, "--seed", "3")
    assert result.returncode == 2 and "--seed draws a sample; give --sample N" in result.stderr
    result = labelmate("score", "--workspace", ws, "--project", PCB_DEMO, "--which", "who")
    assert result.returncode == 2 and "--which takes mine, gold, latest" in result.stderr
    missing = tmp_path / "missing.yaml"
    result = labelmate("score", "--workspace", ws, "--project", PCB_DEMO, "--rubric", str(missing))
    assert result.returncode == 2 and "cannot read rubric" in result.stderr
    bare = tmp_path / "bare.labelmate"
    with Workspace.open(bare) as w:
        w.add_project(Project(name="Bare", config_xml=(
            '<View><Text name="t" value="$t"/><Choices name="c" toName="t">'
            '<Choice value="A"/></Choices></View>')))  # fmt: skip
    result = labelmate("score", "--workspace", str(bare), "--project", "Bare")
    assert result.returncode == 2
    assert "project 'Bare' has no rubric; give one with --rubric FILE" in result.stderr
    assert "Traceback" not in result.stderr
