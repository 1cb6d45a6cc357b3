/**
 * @module ingest/decode/logs
 * ExportLogsServiceRequest → `otel_logs` rows. As the collector exporter does, a record without
 * a timestamp takes its observed time, and the body is stored as `AsString()`.
 */
import type { ExportLogsServiceRequest } from '../gen/opentelemetry/proto/collector/logs/v1/logs_service_pb.js';
import { Rejections, severityProblem, timeProblem, type ItemContext } from './item-checks.js';
import { LOG_COLUMNS, type DecodedExport } from './rows.js';
import { serviceNameOf } from './traces.js';
import { anyValueToString, attributesToMap, hex, nanos } from './values.js';

export function logsToRows(req: ExportLogsServiceRequest, ctx: ItemContext): DecodedExport {
  const rows: unknown[][] = [];
  const rejected = new Rejections();
  for (const rl of req.resourceLogs) {
    const resourceAttributes = attributesToMap(rl.resource?.attributes ?? []);
    const serviceName = serviceNameOf(resourceAttributes);
    for (const sl of rl.scopeLogs) {
      const scopeAttributes = attributesToMap(sl.scope?.attributes ?? []);
      for (const r of sl.logRecords) {
        const timestamp = r.timeUnixNano !== 0n ? r.timeUnixNano : r.observedTimeUnixNano;
        // Ids are optional on logs, but when present they must be well-formed to join with spans.
        const problem =
          (r.traceId.length !== 0 && r.traceId.length !== 16) || (r.spanId.length !== 0 && r.spanId.length !== 8)
            ? 'trace_id must be 16 bytes and span_id 8 bytes when set'
            : (timeProblem(timestamp, 'time', ctx) ?? severityProblem(r.severityNumber));
        if (problem !== null) {
          rejected.add(problem);
          continue;
        }
        rows.push([
          nanos(timestamp),
          hex(r.traceId),
          hex(r.spanId),
          r.flags & 0xff,
          r.severityText,
          r.severityNumber,
          serviceName,
          anyValueToString(r.body),
          rl.schemaUrl,
          resourceAttributes,
          sl.schemaUrl,
          sl.scope?.name ?? '',
          sl.scope?.version ?? '',
          scopeAttributes,
          attributesToMap(r.attributes),
          r.eventName,
        ]);
      }
    }
  }
  return {
    signal: 'logs',
    batches: [{ table: 'otel_logs', columns: LOG_COLUMNS, rows }],
    acceptedItems: rows.length,
    rejectedItems: rejected.count,
    rejectionMessage: rejected.message('log record(s)'),
  };
}
