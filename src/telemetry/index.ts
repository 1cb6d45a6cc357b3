export { createTollgateMetrics } from './metrics.js';
export type { TollgateMetrics, QueueProbe } from './metrics.js';
export { startSelfTracing } from './tracing.js';
export type { SelfTracing } from './tracing.js';
