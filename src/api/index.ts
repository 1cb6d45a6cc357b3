export { createApiApp, watchHealth } from './app.js';
export type { HealthProbe, HealthWatch } from './app.js';
