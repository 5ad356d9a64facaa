"""The briefing screen's look: dark, full screen, type sized for reading from five metres."""

from __future__ import annotations

import streamlit as st

# Sizes scale with the screen width (vw) and never drop below the floor at 1080p: figures
# 64 px and labels 24 px are readable from five metres (about 1/4 degree of arc per stroke).
KPI_FLOOR_PX, LABEL_FLOOR_PX = 64, 24
BACKGROUND, PANEL, TEXT, MUTED, ACCENT = "#0b1a2e", "#13294a", "#f2f5fa", "#9fb3cf", "#f0b429"
FONT = ("'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', "
        "'WenQuanYi Micro Hei', sans-serif")

# Static CSS only: nothing from data ever goes into it.
CSS = f"""
<style>
html, body, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{
  background: {BACKGROUND} !important; color: {TEXT}; overflow: hidden !important;
  font-family: {FONT};
}}
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], #MainMenu, footer {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{
  padding: 1.2vw 2vw 0 2vw !important; max-width: 100vw !important;
}}
.tx-top {{ display: flex; justify-content: space-between; align-items: baseline;
  font-size: max({LABEL_FLOOR_PX}px, 1.35vw); color: {MUTED}; }}
.tx-title {{ font-size: max(40px, 2.4vw); font-weight: 700; color: {TEXT}; }}
.tx-view {{ color: {ACCENT}; font-weight: 700; }}
.tx-dots span {{ display: inline-block; width: 0.7vw; height: 0.7vw; min-width: 12px;
  min-height: 12px; margin-left: 0.4vw; border-radius: 50%; background: #3b5278; }}
.tx-dots span.on {{ background: {ACCENT}; }}
.tx-kpis {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1.2vw; }}
.tx-kpi {{ background: {PANEL}; border-radius: 0.6vw; padding: 1vw 1.2vw; }}
.tx-kpi .v {{ font-size: max({KPI_FLOOR_PX}px, 4.2vw); font-weight: 700; line-height: 1.1;
  color: {TEXT}; font-variant-numeric: tabular-nums; }}
.tx-kpi .l {{ font-size: max({LABEL_FLOOR_PX}px, 1.35vw); color: {MUTED}; }}
.tx-kpi.bad .v {{ color: #ff8a65; }}
.tx-list {{ font-size: max({LABEL_FLOOR_PX}px, 1.45vw); line-height: 1.6; }}
.tx-list .row {{ display: flex; justify-content: space-between; border-bottom: 1px solid #2a4066;
  padding: 0.25vw 0; }}
.tx-list .row b {{ color: {ACCENT}; font-weight: 600; }}
.tx-foot {{ font-size: max(20px, 1vw); color: {MUTED}; margin-top: 0.6vw; }}
</style>
"""


def apply() -> None:
    """Put the briefing screen's style on the page (hides sidebar, menu, toolbar, scrollbars)."""
    st.html(CSS)
