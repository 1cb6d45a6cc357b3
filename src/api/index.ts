export { createApiApp, STORE_RETRY_AFTER_SECONDS } from './app.js';
export type { ErrorLogger, HealthProbe } from './app.js';
