export { loadConfig, isLoopbackHost, ConfigError } from './config.js';
export type { Config, ClickHouseTarget } from './config.js';
