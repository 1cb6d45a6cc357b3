/**
 * @module main
 * The process: read config, start Tollgate, stop gracefully on SIGTERM/SIGINT (exit 0).
 * A configuration or start-up problem is one clear line and exit code 2.
 */
import { pino } from 'pino';
import { TokensConfigError } from './auth/index.js';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { startTollgate, StartupError, type RunningTollgate } from './server.js';
import { startSelfTracing } from './telemetry/index.js';
import { VERSION } from './version.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`tollgate: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = pino({ level: config.logLevel, base: { service: 'tollgate' } });
  const tracing = startSelfTracing(config.selfTracingEndpoint, VERSION);
  // Handlers go in before start-up: a signal that arrives while starting (after the listeners
  // are up, before start returns) must still stop gracefully, not kill the process.
  let running: RunningTollgate | undefined;
  let stopRequested: string | undefined;
  const shutdown = (signal: string): void => {
    if (running === undefined) {
      stopRequested ??= signal;
      return;
    }
    log.info({ signal }, 'shutting down');
    // A shutdown that hangs ends the process without waiting.
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    running
      .stop()
      .then(() => tracing.shutdown())
      .then(() => process.exit(0), (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  try {
    running = await tracing.tracer.startActiveSpan('tollgate.start', async (span) => {
      try {
        const started = await startTollgate(config, log);
        span.setAttributes({ 'tollgate.store': started.store.kind, 'tollgate.slos': started.slos?.current().slos.length ?? 0 });
        return started;
      } finally {
        span.end();
      }
    });
  } catch (e) {
    if (e instanceof StartupError || e instanceof TokensConfigError || e instanceof ConfigError) {
      process.stderr.write(`tollgate: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  if (stopRequested !== undefined) shutdown(stopRequested);
}

void main();
