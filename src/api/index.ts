export { createApiApp } from './app.js';
export type { HealthProbe } from './app.js';
