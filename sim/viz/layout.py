"""The web page's layout: its style sheet and the titled sections of its sidebar.

This module owns :data:`CSS`, which lays the page out for a laptop screen (1280x800 and up):
a sidebar of fixed width that scrolls on its own (scenario, run buttons, export, parameters),
and a main area whose plots share its width in a grid (the share plot two columns wide) and
grow with the window. It also moves Solara's "This website runs on Solara" banner out of the
way: ``sim viz`` turns it off (``SOLARA_THEME_SHOW_BANNER=false``) and this style sheet hides
it for ``solara run`` too (it covered the member card's first line). Everything is served by
the page's own server: no font or style sheet comes from elsewhere.
"""

from __future__ import annotations

import solara

CSS = """
.viz-page { flex-wrap: nowrap !important; margin: 0 !important; }
.viz-sidebar { width: 330px; min-width: 330px; max-width: 330px; height: 100vh;
               overflow-y: auto; padding: 8px 10px 24px 10px !important;
               border-right: 1px solid #e0e0e0; }
.viz-main { flex: 1 1 auto; min-width: 0; height: 100vh; overflow-y: auto;
            padding: 6px 12px !important; }
.viz-control .v-input__slot { margin-bottom: 0 !important; }
.viz-control .v-messages { min-height: 0 !important; }
.viz-param-row { margin-bottom: 2px; }
.viz-groups .v-expansion-panel-header { min-height: 36px !important; padding: 6px 12px; }
.viz-groups .v-expansion-panel-content__wrap { padding: 0 10px 8px 10px; }
.viz-section-title { font-size: 0.8em; font-weight: 600; color: #333;
                     text-transform: uppercase; letter-spacing: 0.03em; margin-top: 6px; }
.viz-plots { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; }
.viz-plot { border: 1px solid #e0e0e0; border-radius: 4px; padding: 4px; min-width: 0; }
.viz-plot-share { grid-column: span 2; }
@media (max-width: 1000px) {
  .viz-plots { grid-template-columns: repeat(2, minmax(0, 1fr)); }
}
.viz-members-tab { display: flex; gap: 20px; align-items: flex-start; flex-wrap: wrap; }
.viz-member-detail { flex: 1 1 360px; min-width: 340px; max-width: 520px; }
.viz-decision td, .viz-commitments td { padding-top: 0; padding-bottom: 0; }
.viz-spark { vertical-align: middle; }
.viz-export { display: grid; grid-template-columns: 1fr 1fr; gap: 0 4px; }
.viz-export .v-btn { justify-content: flex-start; text-transform: none; letter-spacing: 0;
                    padding: 0 4px !important; width: 100%; }
.viz-facts { display: grid; grid-template-columns: auto auto; gap: 0 12px; font-size: 0.85em; }
.v-tab { text-transform: none !important; }
/* Solara's banner ("This website runs on Solara"), positioned over the page's corner */
#app div[style*="position: absolute"][style*="bottom: 0px"][style*="right: 0px"] {
  display: none !important; }
"""
"""The page's style sheet."""


@solara.component
def Section(title: str):
    """A small heading of the sidebar (``title``: in words, e.g. "Export this run")."""
    solara.Text(title, classes=["viz-section-title"])
