"""What a session teaches: calibration, bottlenecks, time per criterion, progress.

The figures come from `labelmate.usecases.score`; here they are only worded and
drawn. HTML is built with escaping: criterion names and descriptors come from rubric
files the user may not have written.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QTextBrowser, QVBoxLayout, QWidget

from labelmate.core.errors import LabelmateError
from labelmate.store import Workspace
from labelmate.usecases import score as scoring


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def session_report_html(ws: Workspace, session_id: int) -> str:
    e = html.escape
    session = ws.get_score_session(session_id)
    rubric = scoring.session_rubric(session)
    names = {c.id: c.name for c in rubric.criteria}
    parts: list[str] = []

    cal = scoring.session_calibration(ws, session_id)
    parts.append("<h3>Calibration — your self-scores against the measured levels</h3>")
    if not cal.criteria:
        parts.append("<p>No criterion was measured against gold in this session.</p>")
    else:
        parts.append("<table cellpadding=4><tr><th align=left>Criterion</th><th>Items</th>"
                     "<th>Mean difference</th><th align=left>Verdict</th></tr>")  # fmt: skip
        for c in cal.criteria:
            parts.append(
                f"<tr><td>{e(names.get(c.criterion_id, c.criterion_id))}</td>"
                f"<td align=center>{c.count}</td><td align=center>{c.mean_difference:+.2f}</td>"
                f"<td>{e(c.verdict)} ({c.higher} higher, {c.lower} lower, "
                f"{c.equal} equal)</td></tr>"
            )
        parts.append("</table>")
        if cal.disagreements:
            parts.append("<p><b>Where you disagree most with the measurement</b></p><ul>")
            for item in cal.disagreements:
                parts.append(
                    f"<li>{e(item.task)} · {e(names.get(item.criterion_id, item.criterion_id))}:"
                    f" you gave {item.final:g}, the measurement says {item.proposed:g}</li>"
                )
            parts.append("</ul>")

    neck = scoring.session_bottlenecks(ws, session_id)
    parts.append("<h3>Bottlenecks — where you lose points and time</h3><ol>")
    for b in neck.by_points:
        if b.points_lost <= 0 and b.seconds <= 0:
            continue
        mean = "—" if b.mean_score is None else f"{b.mean_score:.1f}/{b.max_score:g}"
        up = (
            f"<br>To reach <i>{e(b.next_level_name or '')}</i>: {e(b.next_level.descriptor)}"
            if b.next_level is not None
            else ""
        )
        parts.append(
            f"<li><b>{e(b.name)}</b>: mean {mean}, {b.total_points_lost:.1f} points of 100 lost "
            f"per task, {_minutes(b.seconds)} ({b.time_share:.0%} of your time){up}</li>"
        )
    parts.append("</ol>")

    time = scoring.session_time(ws, session_id)
    parts.append("<h3>Active time per criterion</h3><ul>")
    for cid, seconds in time.total.by_criterion.items():
        parts.append(f"<li>{e(names.get(cid, cid))}: {_minutes(seconds)}</li>")
    parts.append(f"</ul><p>Total active time: {_minutes(time.total.total)}</p>")
    return "".join(parts)


class SessionReport(QWidget):
    def __init__(self, ws: Workspace, session_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = QTextBrowser(objectName="sessionReport")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._ws, self.session_id = ws, session_id

    def refresh(self) -> None:
        try:
            self.view.setHtml(session_report_html(self._ws, self.session_id))
        except LabelmateError as exc:
            self.view.setPlainText(f"No report: {exc}")


class ProgressDialog(QDialog):
    """Per-criterion averages across finished sessions, the weakest highlighted."""

    def __init__(self, ws: Workspace, project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressDialog")
        self.setWindowTitle(f"Progress — {project.name}")
        self.resize(860, 520)
        progress = scoring.project_progress(ws, project)
        self.progress = progress
        layout = QVBoxLayout(self)
        if not progress.sessions:
            layout.addWidget(QLabel("Finish a self-score session to see your progress here."))
            return
        weakest = progress.weakest
        arrows = {"up": "↑", "down": "↓", "flat": "→", None: ""}
        summary = ", ".join(f"{cid} {arrows[progress.trends.get(cid)]}" for cid in progress.series)
        note = QLabel(
            f"{len(progress.sessions)} finished session(s). Trends: {summary}."
            + (f" Weakest now: <b>{html.escape(weakest)}</b>." if weakest else "")
        )
        note.setObjectName("progressSummary")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self._chart(progress), 1)

    def _chart(self, progress) -> QWidget:
        from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
        from PySide6.QtGui import QPainter, QPen

        chart = QChart()
        chart.setTitle("Mean level per criterion, per session")
        top = 0.0
        for cid, values in progress.series.items():
            series = QLineSeries()
            series.setName(cid + (" (weakest)" if cid == progress.weakest else ""))
            for i, v in enumerate(values):
                if v is not None:
                    series.append(i + 1, v)
                    top = max(top, v)
            chart.addSeries(series)
            if cid == progress.weakest:
                pen = QPen(series.pen())
                pen.setWidth(4)
                series.setPen(pen)
        x_axis, y_axis = QValueAxis(), QValueAxis()
        x_axis.setRange(1, max(2, len(progress.sessions)))
        x_axis.setTickCount(max(2, len(progress.sessions)))
        x_axis.setLabelFormat("%d")
        x_axis.setTitleText("session")
        y_axis.setRange(0, max(5.0, top))
        y_axis.setTitleText("level")
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        for s in chart.series():
            s.attachAxis(x_axis)
            s.attachAxis(y_axis)
        view = QChartView(chart)
        view.setObjectName("progressChart")
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        return view
