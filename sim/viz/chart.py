"""A Vega-Lite chart widget whose data can change without redrawing the chart from scratch.

Solara's own ``VegaLite`` widget re-embeds the whole chart (compiling Vega-Lite to Vega and
drawing SVG) 100 ms after any change; with five plots that made a quarter take 0.3-1 s in the
browser. :class:`LiveChart` embeds the chart once (``spec``, canvas renderer) and on each
quarter replaces only its named data set (``values``) through Vega's ``view.data(...)``, so
an update costs a few milliseconds. Vega, Vega-Lite and vega-embed load from Solara's offline
asset folder (``/_solara/cdn``, filled by the solara-assets package), never from the internet:
the widget asks for the versioned folders that are installed there (``vega@5.21.0``, ...), found
by :func:`vega_paths` when the page starts, so no post-install step is needed. The chart's width
follows its box (a ``ResizeObserver``): the plots grow with the window, and a chart embedded in a
hidden tab takes its width when the tab is shown.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import ipyvuetify as v
import traitlets

VEGA_PACKAGES = {
    "vega": ("5", "build/vega.min.js"),
    "vega-lite": ("5", "build/vega-lite.min.js"),
    "vega-embed": ("6", "build/vega-embed.min.js"),
}
"""Front-end package -> (major version the charts are written for, file to load)."""


def asset_dir() -> Path:
    """The folder Solara serves ``/_solara/cdn`` from (filled by solara-assets)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def _version_key(folder: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", folder.split("@", 1)[1]))


@functools.cache
def vega_paths() -> dict[str, str]:
    """Package -> path under ``/_solara/cdn`` of its newest installed version of the right major.

    A package with no such version installed is left out (:func:`missing_assets` names it).
    """
    base = asset_dir()
    out = {}
    for name, (major, file) in VEGA_PACKAGES.items():
        found = [p.name for p in base.glob(f"{name}@{major}.*") if (p / file).is_file()]
        if found:
            out[name] = f"{max(found, key=_version_key)}/{file}"
    return out


def missing_assets() -> list[str]:
    """The front-end packages the charts need that are not installed for offline use."""
    have = vega_paths()
    return [f"{name}@{major}" for name, (major, _) in VEGA_PACKAGES.items() if name not in have]


TEMPLATE = r"""
<template>
  <div class="viz-chart"><div ref="plotElement"></div></div>
</template>
<script>
module.exports = {
  created() {
    this.vegaLoaded = this.loadVega();
    this.view = null;
    this.embedding = null;
  },
  mounted() {
    this.embed();
    // fit the chart's width to its box: when the window changes, or a hidden tab is shown
    this.resizer = new ResizeObserver(() => this.fit());
    this.resizer.observe(this.$el);
  },
  destroyed() {
    if (this.resizer) { this.resizer.disconnect(); }
    if (this.view) { this.view.finalize(); this.view = null; }
  },
  watch: {
    spec() { this.embed(); },
    values() { this.update(); },
  },
  methods: {
    plain(x) { return JSON.parse(JSON.stringify(x)); },
    async embed() {
      await this.vegaLoaded;
      const vegaEmbed = await new Promise((resolve, reject) =>
        require(['vega-embed'], resolve, reject));
      if (this.view) { this.view.finalize(); this.view = null; }
      const spec = this.plain(this.spec);
      const values = this.plain(this.values);
      spec.datasets = Object.assign({}, spec.datasets || {}, {[this.dataset]: values});
      if (this.$el.clientWidth > 0) { spec.width = this.$el.clientWidth; }
      const embedding = vegaEmbed(this.$refs.plotElement, spec,
                                  {renderer: 'canvas', actions: false});
      this.embedding = embedding;
      const result = await embedding;
      if (this.embedding !== embedding) { result.view.finalize(); return; }
      this.view = result.view;
      this.shown = values;
      this.update();
    },
    fit() {
      const width = this.$el.clientWidth;
      if (!this.view || width <= 0 || width === this.view.width()) { return; }
      this.view.width(width).runAsync();
    },
    update() {
      if (!this.view) { return; }
      const values = this.plain(this.values);
      if (JSON.stringify(values) === JSON.stringify(this.shown)) { return; }
      this.shown = values;
      this.view.data(this.dataset, values).runAsync();
    },
    async loadVega() {
      await this.loadRequire();
      const cdn = this.getCdn();
      const paths = this.plain(this.vega_paths);
      require.config({map: {'*': {
        'vega': `${cdn}/${paths['vega']}`,
        'vega-lite': `${cdn}/${paths['vega-lite']}`,
        'vega-embed': `${cdn}/${paths['vega-embed']}`,
      }}});
      await new Promise((resolve, reject) =>
        require(['vega', 'vega-lite', 'vega-embed'], () => resolve(), reject));
    },
    loadRequire() {
      if (window.requirejs) { return Promise.resolve(); }
      return new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = `${this.getCdn()}/requirejs@2.3.6/require.js`;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    },
    getCdn() {
      if (window.solara && window.solara.cdn) { return window.solara.cdn; }
      let base = document.body.dataset.baseUrl || document.baseURI;
      if (!base.endsWith('/')) { base += '/'; }
      return `${base}_solara/cdn`;
    },
  },
};
</script>
"""


class LiveChart(v.VuetifyTemplate):
    """A Vega-Lite chart (``spec``) whose data set ``dataset`` is ``values``.

    Changing ``values`` updates the drawn chart in place; changing ``spec`` draws it anew.
    """

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    spec = traitlets.Dict({}).tag(sync=True)
    """The Vega-Lite spec, its data set ``dataset`` left out (it comes from ``values``)."""
    values = traitlets.List([]).tag(sync=True)
    """The records of the named data set."""
    dataset = traitlets.Unicode("series").tag(sync=True)
    vega_paths = traitlets.Dict().tag(sync=True)
    """Package -> file under ``/_solara/cdn`` (:func:`vega_paths`)."""

    @traitlets.default("vega_paths")
    def _default_vega_paths(self) -> dict[str, str]:
        return vega_paths()
