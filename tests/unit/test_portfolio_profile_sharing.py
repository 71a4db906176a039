"""The profile kept beside the workspace, the form parser, project sharing, and the
preview steps producing exactly what the export writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelmate.cli import main
from labelmate.core.errors import InputError, NotFoundError
from labelmate.store import open_workspace
from labelmate.usecases.portfolio import (
    HTML_FILE,
    MD_FILE,
    PortfolioOptions,
    Profile,
    answered_queries,
    build_portfolio,
    gather_portfolio,
    load_profile,
    md_escape,
    profile_from_form,
    profile_path,
    render_html,
    render_markdown,
    save_profile,
    saved_profile,
)
from labelmate.usecases.projects import project_sharing, set_shareable

BOXES = "PCB defects — boxes"
SENTIMENT = "Movie reviews — sentiment"


@pytest.fixture
def ws_path(scored_demo, tmp_path) -> Path:
    target = tmp_path / "w" / "ws.labelmate"
    target.parent.mkdir()
    shutil.copyfile(scored_demo, target)
    return target


# --- the form parser ------------------------------------------------------------------------


def test_form_text_becomes_a_profile():
    profile = profile_from_form(
        "  Ada Example ",
        "Boxes and spans",
        "Labelmate, , CVAT ,",
        "images,text",
        "GitHub https://github.com/ada\n\n  My site  https://ada.example \nhttps://bare.example",
    )
    assert profile.name == "Ada Example"
    assert profile.tools == ["Labelmate", "CVAT"]
    assert profile.data_types == ["images", "text"]
    assert [(link.label, link.url) for link in profile.links] == [
        ("GitHub", "https://github.com/ada"),
        ("My site", "https://ada.example"),
        ("https://bare.example", "https://bare.example"),
    ]


def test_form_errors_name_the_field():
    with pytest.raises(InputError, match="name: add your name"):
        profile_from_form("   ", "", "", "", "")
    with pytest.raises(InputError, match="name"):
        profile_from_form("x" * 121, "", "", "", "")


_word = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters=","),
    min_size=1,
    max_size=12,
)
_phrase = st.lists(_word, min_size=1, max_size=3).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(
    name=_phrase,
    focus=st.one_of(st.just(""), _phrase),
    tools=st.lists(_phrase, max_size=4),
    kinds=st.lists(_phrase, max_size=3),
    links=st.lists(st.tuples(_phrase, _word), max_size=3),
)
def test_profile_round_trips_through_the_form_and_the_file(
    tmp_path_factory, name, focus, tools, kinds, links
):
    """What the dialog shows of a saved profile parses back to the same profile."""
    profile = Profile.model_validate(
        {
            "name": name,
            "focus": focus,
            "tools": tools,
            "data_types": kinds,
            "links": [{"label": label, "url": url} for label, url in links],
        }
    )
    form = profile_from_form(
        profile.name,
        profile.focus,
        ", ".join(profile.tools),
        ", ".join(profile.data_types),
        "\n".join(f"{link.label} {link.url}" for link in profile.links),
    )
    assert form == profile
    path = tmp_path_factory.mktemp("prof") / "profile.yaml"
    save_profile(profile, path)
    assert load_profile(path) == profile


# --- the saved profile ----------------------------------------------------------------------


def test_saved_profile_lives_beside_the_workspace_and_heads_the_portfolio(ws_path, tmp_path):
    assert profile_path(ws_path) == ws_path.parent / "profile.yaml"
    assert saved_profile(ws_path) is None
    save_profile(Profile(name="Saved Person", tools=["CVAT"]), profile_path(ws_path))
    assert saved_profile(ws_path) == Profile(name="Saved Person", tools=["CVAT"])
    with open_workspace(ws_path) as ws:
        build_portfolio(ws, PortfolioOptions(out_dir=tmp_path / "out"))
        build_portfolio(
            ws,
            PortfolioOptions(out_dir=tmp_path / "given", profile=Profile(name="Given Person")),
        )
    assert "Saved Person" in (tmp_path / "out" / HTML_FILE).read_text(encoding="utf-8")
    given_html = (tmp_path / "given" / HTML_FILE).read_text(encoding="utf-8")
    assert "Given Person" in given_html and "Saved Person" not in given_html


def test_broken_saved_profile_names_the_file(ws_path, tmp_path):
    profile_path(ws_path).write_text("name: [unclosed\n", encoding="utf-8")
    with open_workspace(ws_path) as ws, pytest.raises(InputError) as info:
        build_portfolio(ws, PortfolioOptions(out_dir=tmp_path / "out"))
    assert "profile.yaml" in str(info.value)
    assert not (tmp_path / "out").exists()


# --- preview = export -----------------------------------------------------------------------


def test_preview_steps_render_exactly_what_the_export_writes(ws_path, tmp_path):
    options = PortfolioOptions(
        out_dir=tmp_path / "out",
        formats=("html", "md"),
        profile=Profile(name="Same Person"),
        template="compact",
    )
    with open_workspace(ws_path) as ws:
        stage = tmp_path / "preview"
        stage.mkdir()
        content = gather_portfolio(ws, options, stage, datasets=True)
        build_portfolio(ws, options)
    assert render_html(content, options) == (tmp_path / "out" / HTML_FILE).read_text("utf-8")
    assert render_markdown(content, options) == (tmp_path / "out" / MD_FILE).read_text("utf-8")
    assert content.report.projects == [SENTIMENT, BOXES]


# --- sharing --------------------------------------------------------------------------------


def test_sharing_is_checked_for_every_name_before_anything_changes(ws_path):
    with open_workspace(ws_path) as ws:
        with pytest.raises(NotFoundError, match="no project named 'nope'"):
            set_shareable(ws, [BOXES, "nope"], False)
        assert not ws.project_by_name(BOXES).confidential
        set_shareable(ws, [BOXES], False)
        rows = {r.name: r for r in project_sharing(ws)}
        assert not rows[BOXES].shareable and rows[SENTIMENT].shareable
        assert rows[BOXES].finished_sessions == 1 and rows[BOXES].tasks == 12
        assert rows["Leaf outlines — polygons"].finished_sessions == 0


def test_cli_marks_projects_and_a_confidential_one_leaves_the_portfolio(ws_path, tmp_path, capsys):
    ws = ["--workspace", str(ws_path)]
    assert main(["project", "confidential", BOXES, *ws]) == 0
    assert f"{BOXES}: confidential" in capsys.readouterr().out
    assert main(["project", "list", *ws]) == 0
    listing = capsys.readouterr().out
    line = next(x for x in listing.splitlines() if x.startswith(BOXES + " "))
    assert "confidential" in line and "1 finished session(s)" in line
    assert main(["portfolio", "--out", str(tmp_path / "a"), *ws]) == 0
    html = (tmp_path / "a" / HTML_FILE).read_text(encoding="utf-8")
    assert BOXES not in html and SENTIMENT in html

    assert main(["project", "share", BOXES, *ws]) == 0
    assert main(["portfolio", "--out", str(tmp_path / "b"), *ws]) == 0
    assert BOXES in (tmp_path / "b" / HTML_FILE).read_text(encoding="utf-8")
    assert main(["project", "share", "nope", *ws]) == 1
    assert "no project named 'nope'" in capsys.readouterr().err


# --- chosen queries -------------------------------------------------------------------------


def test_only_the_chosen_answered_queries_appear(ws_path, tmp_path):
    with open_workspace(ws_path) as ws:
        records = answered_queries(ws, [SENTIMENT, BOXES, "Leaf outlines — polygons"])
        assert [q.status for q in records] == ["answered", "answered"]
        assert records[0].answered_at >= records[1].answered_at  # latest first
        keep, drop = records
        build_portfolio(
            ws,
            PortfolioOptions(out_dir=tmp_path / "one", queries=[keep.id], formats=("md",)),
        )
        build_portfolio(ws, PortfolioOptions(out_dir=tmp_path / "all", formats=("md",)))
        set_shareable(ws, [BOXES], False)
        assert [q.project_id for q in answered_queries(ws, [SENTIMENT, BOXES])] == [
            ws.project_by_name(SENTIMENT).id
        ]
    one = (tmp_path / "one" / MD_FILE).read_text(encoding="utf-8")
    every = (tmp_path / "all" / MD_FILE).read_text(encoding="utf-8")
    assert md_escape(keep.text) in one and md_escape(drop.text) not in one
    assert md_escape(drop.text) in every
    assert "label it if at least half" in every and every.count("label it if at least half") == 2
    assert one.count("label it if at least half") == 1
