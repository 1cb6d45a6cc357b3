export { createApiApp, watchHealth } from './app.js';
export type { HealthProbe, HealthWatch } from './app.js';
export { STORE_RETRY_AFTER_SECONDS } from './errors.js';
