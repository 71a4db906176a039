"""Portfolio export (Qt-free parts): content, escaping, privacy, templates, profile."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from labelmate.cli import main
from labelmate.core.errors import InputError, NotFoundError
from labelmate.core.models import Annotation, AnnotationKind, Project, Task
from labelmate.core.regions import Box, Choices
from labelmate.io.thumbnails import label_colour, render_thumbnail
from labelmate.store import open_workspace
from labelmate.usecases import score
from labelmate.usecases.demo import install_demo
from labelmate.usecases.import_tasks import ImportRequest, import_files
from labelmate.usecases.portfolio import (
    PortfolioOptions,
    Profile,
    build_portfolio,
    load_profile,
    md_escape,
    shipped_templates,
)

EVIL = '<script>alert("x")</script><img src="https://evil.example/t.png">'
SECRET = "SECRET-CLIENT-TEXT-9431"
SENTIMENT = "Movie reviews — sentiment"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, benchmark_module) -> Path:
    path = tmp_path_factory.mktemp("pf") / "ws.labelmate"
    install_demo(path)
    with open_workspace(path) as ws:
        benchmark_module("portfolio.py").annotate_and_score(
            ws, {"PCB defects — boxes": 3, SENTIMENT: 3}, takeaway=EVIL, query=EVIL
        )
        # A confidential project with scored work: it must never show.
        demo = ws.project_by_name(SENTIMENT)
        assert demo is not None
        secret = ws.add_project(
            Project(
                name=f"Client {SECRET}",
                config_xml=demo.config_xml,
                rubric_id=demo.rubric_id,
                rubric_yaml=demo.rubric_yaml,
                confidential=True,
            )
        )
        task = ws.add_task(
            Task(project_id=secret.id, external_id=f"t-{SECRET}", data={"text": f"{SECRET} ok"})
        )
        ws.add_annotation(
            Annotation(
                task_id=task.id,
                author="me",
                kind=AnnotationKind.MINE,
                regions=[Choices(control="sentiment", target="review", labels=("Positive",))],
                lead_time=30,
            )
        )
        session = score.start_session(ws, secret, task_ids=[task.id])
        score.set_takeaway(ws, session.id, task.id, None, SECRET)
        score.finish(ws, session.id)
        ws.add_query(secret.id, f"t-{SECRET}", f"{SECRET}?", status="sent")
    return path


def _build(workspace: Path, out: Path, **kw) -> None:
    kw.setdefault("formats", ("html", "md"))
    with open_workspace(workspace) as ws:
        build_portfolio(
            ws, PortfolioOptions(out_dir=out, profile=Profile(name=f"Ada {EVIL}"), **kw)
        )


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    return not parsed.scheme and not parsed.netloc and not url.startswith("//")


def _check_html(out: Path) -> str:
    parser = _Collector()
    parser.feed((out / "portfolio.html").read_text(encoding="utf-8"))
    assert not [t for t, _ in parser.tags if t in ("script", "iframe", "object", "embed")]
    imgs = 0
    for tag, attrs in parser.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        for key in ("src", "href"):
            url = attrs.get(key)
            if url is None:
                continue
            assert _is_local(url), (tag, url)
            assert (out / unquote(url)).is_file(), url
        imgs += tag == "img"
    assert imgs >= 2
    return "".join(parser.text)


def _check_markdown(out: Path) -> str:
    md = (out / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", md)
    assert links
    for link in links:
        assert _is_local(link), link
        assert (out / unquote(link)).is_file(), link
    assert "<script" not in md and "<img" not in md
    return md


@pytest.mark.parametrize("template", ["classic", "compact"])
def test_every_template_renders_safe_html_and_markdown(workspace, tmp_path, template):
    assert {"classic", "compact"} <= set(shipped_templates())
    out = tmp_path / "pf"
    _build(workspace, out, template=template)
    text = _check_html(out)
    assert EVIL in text  # the takeaway and query show as text, not markup
    assert "Ada " in text and "Skills" in text and "Selected samples" in text
    md = _check_markdown(out)
    assert "&lt;script&gt;" in md
    assert (out / "style.css").is_file()
    assert list((out / "charts").glob("*.svg"))
    assert list((out / "thumbnails").glob("*.png"))
    datasets = out / "datasets"
    assert (datasets / "pcb-defects-boxes" / "coco").is_dir()
    assert (datasets / "pcb-defects-boxes" / "label-studio").is_dir()
    assert list((datasets / "pcb-defects-boxes" / "media").rglob("*.png"))  # images travel
    for svg in (out / "charts").glob("*.svg"):
        body = svg.read_text(encoding="utf-8")
        assert "<script" not in body and "href" not in body


def test_confidential_project_never_appears(workspace, tmp_path):
    out = tmp_path / "pf"
    _build(workspace, out, formats=("html", "md"))
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 5
    for f in files:
        assert SECRET.encode() not in f.read_bytes(), f


def test_naming_a_confidential_project_leaves_it_out(workspace, tmp_path):
    with open_workspace(workspace) as ws:
        report = build_portfolio(
            ws,
            PortfolioOptions(
                out_dir=tmp_path / "pf", projects=[f"Client {SECRET}", SENTIMENT], formats=["md"]
            ),
        )
    assert report.projects == [SENTIMENT]
    assert report.skipped_confidential == [f"Client {SECRET}"]
    for f in (tmp_path / "pf").rglob("*"):
        if f.is_file():
            assert SECRET.encode() not in f.read_bytes()


def test_redact_removes_task_text(workspace, tmp_path):
    with open_workspace(workspace) as ws:
        project = ws.project_by_name(SENTIMENT)
        review = ws.list_tasks(project.id)[0].data["text"]
    out = tmp_path / "pf"
    _build(workspace, out, redact=True)
    for f in out.rglob("*"):
        if f.is_file():
            assert review.encode() not in f.read_bytes(), f
    assert "redacted" in (out / "portfolio.html").read_text(encoding="utf-8")


def test_summary_and_skills_have_the_users_numbers(workspace, tmp_path):
    out = tmp_path / "pf"
    _build(workspace, out, formats=("md",))
    md = (out / "README.md").read_text(encoding="utf-8")
    assert "| Tasks annotated | 6 |" in md
    assert "Bounding boxes" in md and "Text classification" in md
    assert "Mean self-score per criterion" in md and "Correctness" in md
    assert "Agreement with gold" in md
    assert "active minutes per task over 6 annotated tasks" in md
    assert "2 rubric-referencing clarification queries sent, 2 answered" in md


def test_unknown_format_template_and_project(workspace, tmp_path):
    with open_workspace(workspace) as ws:
        with pytest.raises(InputError):
            build_portfolio(ws, PortfolioOptions(out_dir=tmp_path / "a", formats=["docx"]))
        with pytest.raises(InputError, match="Qt"):
            build_portfolio(ws, PortfolioOptions(out_dir=tmp_path / "a", formats=["pdf"]))
        with pytest.raises(NotFoundError):
            build_portfolio(ws, PortfolioOptions(out_dir=tmp_path / "a", template="nope"))
        with pytest.raises(NotFoundError):
            build_portfolio(ws, PortfolioOptions(out_dir=tmp_path / "a", projects=["nope"]))
    assert not (tmp_path / "a").exists()


def test_users_own_template_folder(workspace, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "portfolio.html.j2").write_text(
        "<html><body><h1>{{ profile.name }}</h1>{% for s in samples %}"
        '<img src="{{ s.thumb }}">{% endfor %}</body></html>',
        encoding="utf-8",
    )
    (folder / "portfolio.md.j2").write_text("# {{ profile.name }}\n", encoding="utf-8")
    out = tmp_path / "pf"
    _build(workspace, out, template=str(folder), formats=("html", "md"))
    html = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert (out / "README.md").read_text(encoding="utf-8").startswith("# Ada &lt;script&gt;")


def test_profile_file(tmp_path):
    good = tmp_path / "p.yaml"
    good.write_text(
        "name: Ada\nfocus: boxes\ntools: [Labelmate]\ndata_types: [images]\n"
        "links:\n  - {label: GitHub, url: https://github.com/ada}\n",
        encoding="utf-8",
    )
    assert load_profile(good).links[0].label == "GitHub"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Ada\ntools: Labelmate\ncolour: red\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_profile(bad)
    assert "tools" in str(info.value) and "colour" in str(info.value)
    bad.write_text("focus: x\n", encoding="utf-8")
    with pytest.raises(InputError, match="name"):
        load_profile(bad)
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="YAML"):
        load_profile(bad)


def test_md_escape():
    assert md_escape("<b>*x*_y_[z](http://e)|") == r"&lt;b&gt;\*x\*\_y\_\[z\](http://e)\|"


def test_thumbnail_uses_config_colours(tmp_path):
    colours = {"label": {"Solder Bridge": "#00ff00", "Scratch": None}}
    box = Box(control="label", target="image", labels=("Solder Bridge",), x=10, y=10,
              width=100, height=60)  # fmt: skip
    img = render_thumbnail(None, [box], colours, size_hint=(200, 100), max_size=(200, 100))
    assert img.getpixel((10, 40))[:3] == (0, 255, 0)
    assert label_colour(colours, "label", "Scratch").startswith("#")


def test_cli_portfolio(workspace, tmp_path, capsys):
    profile = tmp_path / "p.yaml"
    profile.write_text("name: Cli Person\n", encoding="utf-8")
    out = tmp_path / "cli"
    code = main(
        ["portfolio", "--workspace", str(workspace), "--out", str(out), "--format", "html,md",
         "--template", "compact", "--profile", str(profile), "--projects", SENTIMENT]
    )  # fmt: skip
    assert code == 0
    assert "Cli Person" in (out / "portfolio.html").read_text(encoding="utf-8")
    assert main(["portfolio", "--workspace", str(workspace), "--out", str(out)]) == 1
    assert "not empty" in capsys.readouterr().err


def test_import_makes_new_projects_confidential(tmp_path):
    tasks = tmp_path / "tasks.json"
    tasks.write_text('[{"text": "hello"}]', encoding="utf-8")
    config = tmp_path / "config.xml"
    config.write_text(
        '<View><Text name="t" value="$text"/><Choices name="c" toName="t">'
        '<Choice value="A"/></Choices></View>',
        encoding="utf-8",
    )
    ws_path = tmp_path / "ws.labelmate"
    import_files(ImportRequest(paths=[tasks], project="client", config=config), ws_path)
    with open_workspace(ws_path) as ws:
        project = ws.project_by_name("client")
        assert project is not None and project.confidential
        ws.update_project(project.model_copy(update={"confidential": False}))
    import_files(ImportRequest(paths=[tasks], project="client"), ws_path)  # re-import
    with open_workspace(ws_path) as ws:
        assert not ws.project_by_name("client").confidential  # the user's choice stays
    install_demo(tmp_path / "demo.labelmate")
    with open_workspace(tmp_path / "demo.labelmate") as ws:
        assert not any(p.confidential for p in ws.list_projects())
