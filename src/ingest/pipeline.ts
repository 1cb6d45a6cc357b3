/**
 * @module ingest/pipeline
 * One export, from bytes to acknowledgement: decode (pure), hand rows to the batch writer, and
 * answer only after the insert holding them returned. Transports map the outcome to HTTP or gRPC.
 */
import { encodeRows, type BatchWriter, type RowBatch, type WriteResult } from '../store/index.js';
import { decodeExport, OtlpDecodeError, type DecodedExport, type Encoding, type Signal } from './decode/index.js';
import type { Transport } from './admission.js';

export type ExportOutcome =
  | { status: 'stored'; acceptedItems: number; rejectedItems: number; rejectionMessage: string }
  | { status: 'invalid'; message: string }
  | { status: 'failed'; message: string; retryAfterSeconds: number }
  | { status: 'shutting_down'; retryAfterSeconds: number };

export interface IngestObserver {
  decoded(signal: Signal, transport: Transport, decoded: DecodedExport): void;
  outcome(signal: Signal, transport: Transport, outcome: ExportOutcome['status'] | 'queue_full' | 'too_large' | 'unauthorized' | 'unsupported'): void;
}

export interface IngestPipeline {
  export(signal: Signal, encoding: Encoding, body: Uint8Array, transport: Transport): Promise<ExportOutcome>;
  /** Refuse new exports (in-flight ones still finish); used on SIGTERM. */
  stopAccepting(): void;
}

/** After a failed insert, how long a client should wait before retrying. */
export const STORE_FAILURE_RETRY_AFTER_SECONDS = 5;

export function createIngestPipeline({ writer, observer, onStoreError, tally, now = Date.now }: {
  writer: BatchWriter;
  observer: IngestObserver;
  onStoreError?: (signal: Signal, error: unknown) => void;
  /**
   * Counts an export's rows while they exist (the SLO engine's live feed); what it returns is
   * applied once every row is stored, before the export is acknowledged. Not applied when the store
   * refused some rows: which ones is not known here, and the engine's next settle counts the rest.
   */
  tally?: (signal: Signal, batches: readonly RowBatch[]) => { apply(): void } | undefined;
  /** The receipt time the decoder's item checks compare timestamps with. */
  now?: () => number;
}): IngestPipeline {
  let accepting = true;
  return {
    async export(signal, encoding, body, transport) {
      if (!accepting) return { status: 'shutting_down', retryAfterSeconds: STORE_FAILURE_RETRY_AFTER_SECONDS };
      let decoded: DecodedExport;
      try {
        decoded = decodeExport(signal, encoding, body, { receivedAtNs: BigInt(now()) * 1_000_000n });
      } catch (e) {
        if (e instanceof OtlpDecodeError) return { status: 'invalid', message: e.message };
        throw e;
      }
      observer.decoded(signal, transport, decoded);
      const tallied = tally?.(signal, decoded.batches);
      let written: WriteResult;
      try {
        written = await writer.write(decoded.batches.map((b) => ({ table: b.table, columns: b.columns, rowCount: b.rows.length, text: encodeRows(b.rows) })));
      } catch (error) {
        onStoreError?.(signal, error);
        return {
          status: 'failed',
          message: 'storage is unavailable; nothing from this export was acknowledged, retry later',
          retryAfterSeconds: STORE_FAILURE_RETRY_AFTER_SECONDS,
        };
      }
      if (written.rejectedRows === 0) tallied?.apply();
      // A row is an item (a span, a log record, a data point), so rows the store refused are items refused.
      const storeMessage = written.rejectedRows === 0 ? '' : `${written.rejectedRows} item(s) ${written.reasons.join('; ')}`;
      return {
        status: 'stored',
        acceptedItems: decoded.acceptedItems - written.rejectedRows,
        rejectedItems: decoded.rejectedItems + written.rejectedRows,
        rejectionMessage: [decoded.rejectionMessage, storeMessage].filter((m) => m !== '').join('; '),
      };
    },
    stopAccepting() {
      accepting = false;
    },
  };
}
