"""The portal's few style rules, applied once per script run by the router."""

from __future__ import annotations

import streamlit as st

# Streamlit truncates a metric's label and its delta description to one line with an ellipsis, so a card
# label with its base ("Compliance · 1,562 submitted") or a comparison ("Sep–Nov vs Jun–Aug") was cut off
# on a four-column row. They wrap instead, as Streamlit itself does when printing.
_CSS = """
<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *,
[data-testid="stMetricDeltaDescription"], [data-testid="stMetricDeltaDescription"] * {
  white-space: normal !important;
  overflow: visible !important;
  text-overflow: clip !important;
  overflow-wrap: anywhere;
  max-width: 100%;
  height: auto !important;
}
</style>
"""


def apply() -> None:
    """Add the portal's style rules to the page (a style-only element takes no space)."""
    st.html(_CSS)
