/**
 * @module ui
 * The web pages: HTML shells (ui/shell.ts), the files they load (ui/assets.ts: the UI's own
 * scripts in `static/`, uPlot and mermaid from node_modules) and the SLO chart series
 * (ui/slo-series.ts). `api/ui-routes.ts` serves them.
 */
export { pageShell, PAGES } from './shell.js';
export type { PageDef, PageName } from './shell.js';
export { staticAssets, vendorAssets, VENDOR_FILES, STATIC_DIR } from './assets.js';
export type { Asset, AssetSource } from './assets.js';
export { exclusionBands, seriesPlan, sloSeries } from './slo-series.js';
export type { ExclusionBand, SeriesOptions, SeriesPlan, SloSeries } from './slo-series.js';
