"""The colours of MARC's maps and charts, in one place (no plotting library imported here, so the
app's map can use them without loading Altair)."""

from __future__ import annotations

#: five viridis classes, low -> high readiness (colour-blind safe, ordered in lightness)
READY_COLOURS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]
#: five magma classes, low -> high exposure
HAZARD_COLOURS = ["#fcfdbf", "#fc8961", "#b73779", "#51127c", "#000004"]
MISSING_GREY = "#bdbdbd"
FILTERED_GREY = "#eeeeee"
OCEAN = "#ffffff"
#: 3×3 bivariate palette (Stevens' "pink-blue", colour-blind safe): key "E<e>-G<g>"
BIVARIATE = {
    "E1-G1": "#e8e8e8", "E1-G2": "#b5c0da", "E1-G3": "#6c83b5",
    "E2-G1": "#b8d6be", "E2-G2": "#90b2b3", "E2-G3": "#567994",
    "E3-G1": "#73ae80", "E3-G2": "#5a9178", "E3-G3": "#2a5a5b",
}
#: Vega embed options: SVG (the browser tests count paths; Streamlit would switch big charts to canvas)
SVG = {"embedOptions": {"renderer": "svg"}}


def palette(kind: str) -> list[str]:
    """Readiness colours for scores, exposure colours for hazards and priority."""
    return READY_COLOURS if kind == "score" else HAZARD_COLOURS
