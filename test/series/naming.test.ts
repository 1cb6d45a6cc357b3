import { describe, expect, it } from 'vitest';
import { formatFloatPlain, prometheusLabelName, prometheusMetricName } from '../../src/series/naming.js';

describe("Prometheus' OTLP names", () => {
  it.each([
    ['http.server.request.duration', 's', 'histogram', false, 'http_server_request_duration_seconds'],
    ['http.server.active_requests', '{request}', 'sum', false, 'http_server_active_requests'],
    ['requests', '1', 'sum', true, 'requests_total'],
    ['requests.total', '{request}', 'sum', true, 'requests_total'],
    ['process.runtime.memory', 'By', 'gauge', false, 'process_runtime_memory_bytes'],
    ['system.cpu.utilization', '1', 'gauge', false, 'system_cpu_utilization_ratio'],
    ['throughput', 'By/s', 'gauge', false, 'throughput_bytes_per_second'],
    ['latency_seconds', 's', 'histogram', false, 'latency_seconds'],
    ['queue-depth', '', 'gauge', false, 'queue_depth'],
    ['2xx.count', '', 'sum', true, '_2xx_count_total'],
  ] as const)('%s [%s, %s] is %s', (name, unit, kind, mono, expected) => {
    expect(prometheusMetricName(name, unit, kind, mono)).toBe(expected);
  });

  it('turns attribute keys into label names', () => {
    expect(prometheusLabelName('http.route')).toBe('http_route');
    expect(prometheusLabelName('deployment.environment.name')).toBe('deployment_environment_name');
    expect(prometheusLabelName('3d.model')).toBe('key_3d_model');
    expect(prometheusLabelName('_private')).toBe('key_private');
  });

  it('writes bounds without exponents, as Go does', () => {
    expect(formatFloatPlain(0.005)).toBe('0.005');
    expect(formatFloatPlain(1e-7)).toBe('0.0000001');
    expect(formatFloatPlain(2.5e-8)).toBe('0.000000025');
    expect(formatFloatPlain(1e21)).toBe('1000000000000000000000');
    expect(formatFloatPlain(10)).toBe('10');
    expect(formatFloatPlain(Infinity)).toBe('+Inf');
  });
});
