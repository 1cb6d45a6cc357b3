export { createTollgateMetrics } from './metrics.js';
export type { TollgateMetrics, QueueProbe, LeaseProbe } from './metrics.js';
export { startSelfTracing } from './tracing.js';
export type { SelfTracing } from './tracing.js';
export { startSelfScrape, snapshotToOtlp, otlpMetricName, DEFAULT_SELF_SCRAPE_INTERVAL_MS, SELF_SERVICE_NAME } from './self-scrape.js';
export type { SelfScrape, SelfScrapeOptions, PromMetricSnapshot } from './self-scrape.js';
