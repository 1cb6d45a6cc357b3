/**
 * Tollgate observes itself: /metrics in Prometheus text format, and its own traces exported over
 * OTLP/gRPC when OTEL_EXPORTER_OTLP_ENDPOINT is set (here to a second Tollgate, which stores them).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, spawnTollgate, startInProcess, tempDir, testEnv, type InProcessTollgate } from './helpers/tollgate.js';

let receiver: InProcessTollgate;
beforeAll(async () => {
  receiver = await startInProcess();
});
afterAll(async () => {
  await receiver?.cleanup();
});

describe('self-observability', () => {
  it('exports its own start-up span over OTLP/gRPC when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const dataDir = tempDir();
    const traced = await spawnTollgate(testEnv(dataDir, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.otlpGrpcUrl }));
    try {
      traced.child.kill('SIGTERM'); // shutdown flushes the SDK's batch
      expect((await traced.exited).code).toBe(0);
      expect(await countRows(receiver, 'otel_traces', `ServiceName = 'tollgate' AND SpanName = 'tollgate.start'`)).toBe(1);
      const [span] = await receiver.store.query<{ SpanAttributes: Record<string, string> }>(
        `SELECT SpanAttributes FROM otel_traces WHERE ServiceName = 'tollgate' AND SpanName = 'tollgate.start'`,
      );
      expect(span?.SpanAttributes).toMatchObject({ 'tollgate.store': 'embedded' });
    } finally {
      traced.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('serves ingest, insert and queue metrics in the Prometheus text format', async () => {
    const res = await fetch(`${receiver.apiUrl}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of ['tollgate_ingest_items_total', 'tollgate_insert_batch_rows', 'tollgate_insert_duration_seconds', 'tollgate_ingest_queue_bytes', 'tollgate_ingest_pending_rows', 'tollgate_store_statements', 'tollgate_process_resident_memory_bytes']) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it('reports healthy only with the store open, the schema applied and the SLO directory read', async () => {
    const res = await fetch(`${receiver.apiUrl}/healthz`);
    expect(res.status).toBe(200);
    const instance = receiver.lease.status().me;
    // The embedded store has one process: it holds the evaluator lease from the start.
    expect(await res.json()).toEqual({
      status: 'ok', checks: { store: true, schema: true, slo_directory: true },
      lease: { holder: instance, is_holder: true, role: 'holder', term: 1, instance, lease_seconds: 15 },
    });
    expect(receiver.slos?.current().slos.map((s) => s.name)).toContain('checkout-availability');
  });

  it('says in /metrics that this process holds the evaluator lease', async () => {
    const text = await (await fetch(`${receiver.apiUrl}/metrics`)).text();
    expect(text).toContain('\ntollgate_lease_is_holder 1\n');
    expect(text).toContain(`\ntollgate_lease_holder{holder="${receiver.lease.status().me}"} 1\n`);
    expect(text).toContain('\ntollgate_lease_term 1\n');
  });
});
