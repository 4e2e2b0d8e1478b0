"""The rollout page's Plotly figures, their modebar configuration and server-side PNG export.

Estimated points (see `services.rollout`) are drawn dashed and the estimated period shaded, so
nobody mistakes a reconstruction for a record. Recorded points further apart than `MAX_GAP` are
not joined: a gap in the history shows as a gap.

Readable when exported: every chart gets `_readable` margins — axis titles and tick labels
push the margins out (``automargin``) instead of being clipped, the legend sits below the
x-axis labels, not over them, and the target chart's sentence (its title) wraps in two lines
rather than running off the image.

PNG: in the browser, the modebar's camera button downloads any chart as PNG (`chart_config`
keeps it). On the server, `chart_png` renders with kaleido, which drives a Chromium already
installed (Debian's ``/usr/bin/chromium``; ``BROWSER_PATH`` may name another) and never
downloads one; `png_available` tells whether that can work here.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from orgconn.services.coverage import STATUS_COLOURS, Status
from orgconn.services.rollout.rollout_progress import TargetProgress

MAX_GAP = pd.Timedelta(days=8)
PALETTE = qualitative.Plotly
ESTIMATE_NOTE = "estimated (before the first snapshot)"
MEASURES = {"coverage_pct": "complete", "configured_pct": "have values"}
HOVER = ("%{y:.1f}% %{meta}<br>%{customdata[0]} complete, %{customdata[1]} with values, "
         "of %{customdata[2]} customers<extra>%{fullData.name}</extra>")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chart_config(filename: str) -> dict[str, Any]:
    """The ``config`` for ``st.plotly_chart``: modebar on, its PNG download named ``filename``."""
    return {"displayModeBar": True, "displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2}}


def break_gaps(points: pd.DataFrame, max_gap: pd.Timedelta = MAX_GAP,
               measure: str = "coverage_pct") -> pd.DataFrame:
    """``points`` (one line, by time) with an empty ``measure`` wherever two are more than
    ``max_gap`` apart, so Plotly does not join them."""
    points = points.sort_values("taken_at")
    far = points["taken_at"].diff() > max_gap
    if not far.any():
        return points
    holes = points[far].assign(taken_at=points["taken_at"][far] - max_gap / 2,
                               **{measure: float("nan")})
    return pd.concat([points, holes]).sort_values("taken_at", kind="stable")


def _line(points: pd.DataFrame, measure: str, **style: Any) -> go.Scatter:
    with_values = points["total"] - points["missing"]
    return go.Scatter(x=points["taken_at"], y=points[measure], mode="lines+markers",
                      customdata=pd.concat([points["complete"], with_values, points["total"]],
                                           axis=1).to_numpy(),
                      hovertemplate=HOVER, meta=MEASURES[measure], **style)


def _coverage_traces(rows: pd.DataFrame, colour: str, name: str, legend: bool,
                     measure: str = "coverage_pct") -> list[go.Scatter]:
    """A connection's dashed estimate (joined to its first recorded point) and solid record."""
    estimated, recorded = rows[rows["estimated"]], rows[~rows["estimated"]]
    traces = []
    if not estimated.empty:
        joined = pd.concat([estimated, recorded.head(1)])
        traces.append(_line(joined, measure, name=f"{name} (estimate)", legendgroup=name,
                            showlegend=False, line={"color": colour, "dash": "dash"},
                            marker={"size": 4}))
    if not recorded.empty:
        traces.append(_line(break_gaps(recorded, measure=measure), measure, name=name,
                            legendgroup=name, showlegend=legend, line={"color": colour},
                            marker={"size": 6}))
    elif traces:
        traces[0].showlegend = legend
    return traces


def _readable(figure: go.Figure, *, top: int = 40) -> go.Figure:
    """Margins that keep axis titles and tick labels whole, and the legend below them."""
    figure.update_xaxes(automargin=True)
    figure.update_yaxes(automargin=True, title_standoff=10)
    figure.update_layout(margin={"l": 70, "r": 30, "t": top, "b": 30, "autoexpand": True},
                         legend={"orientation": "h", "x": 0, "xanchor": "left",
                                 "yref": "container", "y": 0, "yanchor": "bottom"})
    return figure


def _wrapped(sentence: str, width: int = 90) -> str:
    """``sentence`` in lines of at most ``width`` characters (Plotly's ``<br>``), for a title."""
    lines: list[str] = []
    for word in sentence.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _panels(tenants: list[str], height: int) -> go.Figure:
    figure = make_subplots(rows=1, cols=max(len(tenants), 1), shared_yaxes=True,
                           subplot_titles=tenants, horizontal_spacing=0.06)
    figure.update_layout(height=height, hovermode="closest")
    return _readable(figure)


def coverage_chart(series: pd.DataFrame, measure: str = "coverage_pct") -> go.Figure:
    """Coverage % over time, one panel per tenant, one colour per connection.

    ``measure`` is ``coverage_pct`` (complete values) or ``configured_pct`` (any values).
    """
    tenants = [str(t) for t in series["tenant"].unique()]
    keys = sorted(str(k) for k in series["stable_key"].unique())
    figure = _panels(tenants, 420)
    shown: set[str] = set()
    for (tenant, key), rows in series.groupby(["tenant", "stable_key"], sort=True):
        name = str(rows["connection"].iloc[-1])
        colour = PALETTE[keys.index(str(key)) % len(PALETTE)]
        for trace in _coverage_traces(rows, colour, name, name not in shown, measure):
            figure.add_trace(trace, row=1, col=tenants.index(str(tenant)) + 1)
        shown.add(name)
    figure.update_yaxes(range=[0, 102], ticksuffix="%")
    figure.update_yaxes(title_text=f"% of customers: {MEASURES[measure]}", col=1)
    if series["estimated"].any():  # a legend entry that says what dashed means
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=ESTIMATE_NOTE,
                                    line={"color": "#888", "dash": "dash"}))
    return figure


BLOCKED_HOVER = ("%{y:,} instances blocked by %{customdata[0]:,} gaps"
                 "<extra>%{fullData.name}</extra>")


def blocked_chart(series: pd.DataFrame) -> go.Figure:
    """Blocked instances over time, one panel per tenant, one line per connection, from the
    recorded points that carry the figure (estimated points and snapshots without it — taken
    before orgconn recorded it, or of a tenant that could not say — are left out, never drawn
    as 0). Points further apart than `MAX_GAP` are not joined."""
    known = series[~series["estimated"] & series["blocked_instances"].notna()]
    tenants = [str(t) for t in series["tenant"].unique()]
    keys = sorted(str(k) for k in series["stable_key"].unique())
    figure = _panels(tenants, 360)
    shown: set[str] = set()
    for (tenant, key), rows in known.groupby(["tenant", "stable_key"], sort=True):
        name = str(rows["connection"].iloc[-1])
        points = break_gaps(rows.astype({"blocked_instances": "float64",
                                         "blocking_gaps": "float64"}),
                            measure="blocked_instances")
        figure.add_trace(go.Scatter(
            x=points["taken_at"], y=points["blocked_instances"], mode="lines+markers",
            name=name, legendgroup=name, showlegend=name not in shown,
            customdata=points[["blocking_gaps"]].to_numpy(), hovertemplate=BLOCKED_HOVER,
            line={"color": PALETTE[keys.index(str(key)) % len(PALETTE)]}),
            row=1, col=tenants.index(str(tenant)) + 1)
        shown.add(name)
    figure.update_yaxes(rangemode="tozero", tickformat=",d")
    figure.update_yaxes(title_text="instances blocked by gaps", col=1)
    return figure


def _shade_estimates(figure: go.Figure, rows: pd.DataFrame, col: int) -> None:
    estimated = rows[rows["estimated"]]
    if estimated.empty:
        return
    end = rows.loc[~rows["estimated"], "taken_at"].min()
    figure.add_vrect(x0=estimated["taken_at"].min(),
                     x1=estimated["taken_at"].max() if pd.isna(end) else end,
                     fillcolor="#888", opacity=0.12, line_width=0, row=1, col=col,
                     annotation_text="estimated", annotation_position="top left")


def status_area_chart(series: pd.DataFrame) -> go.Figure:
    """Customers by status over time (stacked areas) of one connection, a panel per tenant."""
    tenants = [str(t) for t in series["tenant"].unique()]
    figure = _panels(tenants, 360)
    for col, tenant in enumerate(tenants, start=1):
        rows = series[series["tenant"] == tenant].sort_values("taken_at")
        for status in Status:
            figure.add_trace(go.Scatter(
                x=rows["taken_at"], y=rows[status.value], name=status.value, mode="lines",
                stackgroup=tenant, legendgroup=status.value, showlegend=col == 1,
                line={"width": 0.5, "color": STATUS_COLOURS[status.value]},
                fillcolor=STATUS_COLOURS[status.value]), row=1, col=col)
        _shade_estimates(figure, rows, col)
    figure.update_yaxes(title_text="customers", col=1)
    return figure


SEGMENT_HOVER = ("%{x}: %{y:.1f}% complete<br>%{customdata[1]:,} of %{customdata[0]:,} "
                 "customers · %{customdata[2]}<extra>%{fullData.name}</extra>")


def segment_chart(breakdown: pd.DataFrame) -> go.Figure:
    """Coverage % per customer segment (label), one bar per tenant in each segment.

    Built with graph_objects, one trace per tenant (Plotly Express took most of a rerun).
    """
    ordered = breakdown.sort_values(["dimension", "segment"])
    figure = go.Figure()
    for number, (tenant, rows) in enumerate(ordered.groupby("tenant", sort=False)):
        figure.add_trace(go.Bar(
            x=rows["segment"], y=rows["coverage_pct"], name=str(tenant),
            text=rows["coverage_pct"].map("{:.0f}%".format),
            customdata=rows[["customers", "complete", "dimension"]].to_numpy(),
            hovertemplate=SEGMENT_HOVER, marker={"color": PALETTE[number % len(PALETTE)]}))
    figure.update_layout(height=360, barmode="group", legend_title_text="tenant")
    figure.update_xaxes(categoryorder="array", categoryarray=ordered["segment"].unique())
    figure.update_yaxes(range=[0, 105], ticksuffix="%", title_text="% complete")
    return _readable(figure, top=30)


def target_chart(series: pd.DataFrame, progress: TargetProgress,
                 trend: pd.DataFrame) -> go.Figure:
    """One tenant's coverage of one connection with its trend extended to the target date."""
    rows = series[(series["tenant"] == progress.tenant)
                  & (series["stable_key"] == progress.stable_key)]
    figure = go.Figure(_coverage_traces(rows, PALETTE[0], "coverage", True))
    if not trend.empty:
        figure.add_trace(go.Scatter(x=trend["taken_at"], y=trend["trend_pct"], name="trend",
                                    mode="lines", line={"color": "#555", "dash": "dot"}))
    figure.add_trace(go.Scatter(
        x=[pd.Timestamp(progress.target_date, tz="UTC")], y=[progress.target_pct],
        name=f"target: {progress.target_pct:g}% by {progress.target_date:%Y-%m-%d}",
        mode="markers", marker={"symbol": "star", "size": 16, "color": "#D64545"}))
    figure.add_hline(y=progress.target_pct, line_dash="dot", line_color="#D64545", opacity=0.5)
    sentence = _wrapped(progress.sentence())
    figure.update_layout(height=340 + 16 * sentence.count("<br>"),
                         title={"text": sentence, "font": {"size": 13}, "automargin": True,
                                "x": 0, "xref": "paper", "xanchor": "left", "y": 1,
                                "yref": "paper", "yanchor": "bottom", "pad": {"b": 12}})
    figure.update_yaxes(range=[0, 105], ticksuffix="%", title_text="% of customers: complete")
    return _readable(figure, top=20)


def png_available() -> bool:
    """Whether `chart_png` can work here: kaleido is installed and a Chromium is on the machine."""
    if importlib.util.find_spec("kaleido") is None:
        return False
    return bool(os.environ.get("BROWSER_PATH") or any(shutil.which(b) for b in BROWSERS))


def chart_png(figure: go.Figure, width: int = 1200, height: int | None = None) -> bytes:
    """The figure as a PNG, rendered by kaleido in the installed Chromium (a few seconds).

    Raises RuntimeError, saying what to install, when `png_available` is false.
    """
    if not png_available():
        raise RuntimeError("PNG export needs kaleido and Chromium (apt-get install chromium); "
                           "the chart's camera button downloads a PNG in the browser meanwhile.")
    png: bytes = figure.to_image(format="png", width=width,
                                 height=height or figure.layout.height or 420, scale=2)
    return png
