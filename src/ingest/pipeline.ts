/**
 * @module ingest/pipeline
 * One export, from bytes to acknowledgement: cut into pieces (split.ts), each piece decoded (pure),
 * flattened and encoded as insert text, handed to the batch writer, and answered only after every
 * insert holding its rows returned. Transports map the outcome to HTTP or gRPC.
 *
 * Memory and the event loop: exports are decoded one at a time, in the order they were admitted,
 * a piece at a time, giving the event loop a turn every SLICE_MS, so decoded objects and rows
 * exist for one piece only (about a megabyte) and no request holds the loop for long (whole
 * 70,000-span requests held it for ~1 s each). What an export keeps until its inserts return is the encoded
 * text, which admission counts: estimated before decoding, measured piece by piece, and given back
 * as each piece's insert returns.
 *
 * An export is all or nothing at decode: every piece is decoded before any is written, so a body
 * malformed near its end stores nothing and is answered 400, as it was when decoded whole.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { encodeRows, type BatchWriter, type EncodedRows, type RowBatch, type WriteResult } from '../store/index.js';
import { decodeExport, OtlpDecodeError, type DecodedExport, type Encoding, type Signal } from './decode/index.js';
import { QUEUE_FULL_RETRY_AFTER_SECONDS, type Reservation } from './admission.js';
import { splitExport } from './split.js';

export type Transport = 'http' | 'grpc';

export type ExportOutcome =
  | { status: 'stored'; acceptedItems: number; rejectedItems: number; rejectionMessage: string }
  | { status: 'invalid'; message: string }
  | { status: 'failed'; message: string; retryAfterSeconds: number }
  | { status: 'shutting_down'; retryAfterSeconds: number }
  /** Its turn to be decoded came after `giveUpAt`: refused as if the queue had been full, without decoding it. */
  | { status: 'too_late'; retryAfterSeconds: number };

export interface IngestObserver {
  decoded(signal: Signal, transport: Transport, decoded: Pick<DecodedExport, 'acceptedItems' | 'rejectedItems'>): void;
  outcome(
    signal: Signal,
    transport: Transport,
    outcome: ExportOutcome['status'] | 'queue_full' | 'too_large' | 'unauthorized' | 'unsupported' | 'timed_out',
  ): void;
}

/**
 * The request body, handed over once: the pipeline empties it when decoding starts, so the bytes
 * can be collected as soon as the last piece is decoded, however long the inserts then take.
 */
export interface BodyParcel {
  bytes: Uint8Array | undefined;
}

export interface ExportRequest {
  signal: Signal;
  encoding: Encoding;
  body: BodyParcel;
  transport: Transport;
  /** The request's hold on the ingest budget, already admitted with `reservedTextBytes` of text. */
  reservation: Reservation;
  reservedTextBytes: number;
  /** Called once every piece is decoded: the body's bytes are garbage from then on. */
  onDecoded?: () => void;
  /**
   * Date.now() time after which decoding is pointless: the answer could no longer reach the client
   * in time. Admission predicts waits from the recent drain rate; when the machine suddenly slows
   * down (other processes taking the cores), exports admitted on the older rate are refused here
   * instead of being answered after their client gave up, and the queue catches up.
   */
  giveUpAt?: number;
}

export interface IngestPipeline {
  /** The insert text an export of `inputBytes` will need, as measured on recent exports of its kind. */
  estimateTextBytes(signal: Signal, encoding: Encoding, inputBytes: number): number;
  export(request: ExportRequest): Promise<ExportOutcome>;
  /** Refuse new exports (in-flight ones still finish); used on SIGTERM. */
  stopAccepting(): void;
}

/** After a failed insert, how long a client should wait before retrying. */
export const STORE_FAILURE_RETRY_AFTER_SECONDS = 5;

/**
 * Insert text per input byte before anything is measured. Measured on the OpenTelemetry SDK's
 * spans: 2.3 (a few attributes), 1.8 (15 attributes), 3.5 (none: the per-row columns dominate);
 * OTLP/JSON input is larger than its rows' text. The first exports of a kind replace these.
 */
const INITIAL_TEXT_RATIO: Record<Encoding, number> = { protobuf: 3.5, json: 1.5 };

export function createIngestPipeline({ writer, observer, onStoreError, tally, now = Date.now }: {
  writer: Pick<BatchWriter, 'write'>;
  observer: IngestObserver;
  onStoreError?: (signal: Signal, error: unknown) => void;
  /**
   * Counts an export's rows while they exist (the SLO engine's live feed); what it returns is
   * applied once every row is stored, before the export is acknowledged. Not applied when the store
   * refused some rows: which ones is not known here, and the engine's next settle counts the rest.
   */
  tally?: Tally;
  /** The receipt time the decoder's item checks compare timestamps with. */
  now?: () => number;
}): IngestPipeline {
  let accepting = true;
  const textRatio = new Map<string, number>();
  const ratioOf = (signal: Signal, encoding: Encoding): number => textRatio.get(`${signal}/${encoding}`) ?? INITIAL_TEXT_RATIO[encoding];
  const decodeLane = createFifoLane();
  const slice = createSlicer();

  return {
    estimateTextBytes(signal, encoding, inputBytes) {
      return Math.ceil(inputBytes * ratioOf(signal, encoding));
    },

    async export({ signal, encoding, body, transport, reservation, reservedTextBytes, onDecoded, giveUpAt }) {
      if (!accepting) return { status: 'shutting_down', retryAfterSeconds: STORE_FAILURE_RETRY_AFTER_SECONDS };
      const inputBytes = body.bytes?.byteLength ?? 0;
      let decoded: DecodedPieces | 'too_late';
      try {
        decoded = await decodeLane.run(async (): Promise<DecodedPieces | 'too_late'> => {
          if (giveUpAt !== undefined && Date.now() > giveUpAt) return 'too_late';
          reservation.processed(); // worked on from here, so its work counts for the drain rate
          return decodeInPieces(signal, encoding, body, { receivedAtNs: BigInt(now()) * 1_000_000n }, tally, slice);
        });
      } catch (e) {
        if (e instanceof OtlpDecodeError) return { status: 'invalid', message: e.message };
        throw e;
      } finally {
        onDecoded?.();
      }
      if (decoded === 'too_late') return { status: 'too_late', retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_SECONDS };
      // The estimate becomes the measurement; later estimates of this kind lean on it.
      reservation.adjust(decoded.textBytes - reservedTextBytes);
      if (inputBytes > 0) {
        const measured = decoded.textBytes / inputBytes;
        textRatio.set(`${signal}/${encoding}`, (ratioOf(signal, encoding) + measured) / 2);
      }
      observer.decoded(signal, transport, decoded);

      let results: WriteResult[];
      try {
        results = await Promise.all(
          decoded.pieces.map(async (piece) => {
            const r = await writer.write(piece.batches);
            reservation.adjust(-piece.textBytes); // inserted: the text is garbage now
            return r;
          }),
        );
      } catch (error) {
        onStoreError?.(signal, error);
        return {
          status: 'failed',
          message: 'storage is unavailable; nothing from this export was acknowledged, retry later',
          retryAfterSeconds: STORE_FAILURE_RETRY_AFTER_SECONDS,
        };
      }
      // A row is an item (a span, a log record, a data point), so rows the store refused are items refused.
      const storeRejected = results.reduce((n, r) => n + r.rejectedRows, 0);
      const storeReasons = [...new Set(results.flatMap((r) => r.reasons))];
      const storeMessage = storeRejected === 0 ? '' : `${storeRejected} item(s) ${storeReasons.join('; ')}`;
      if (storeRejected === 0) for (const t of decoded.tallies) t.apply();
      return {
        status: 'stored',
        acceptedItems: decoded.acceptedItems - storeRejected,
        rejectedItems: decoded.rejectedItems + storeRejected,
        rejectionMessage: [...decoded.rejectionMessages, storeMessage].filter((m) => m !== '').join('; '),
      };
    },

    stopAccepting() {
      accepting = false;
    },
  };
}

interface EncodedPiece {
  batches: EncodedRows[];
  textBytes: number;
}

interface DecodedPieces {
  pieces: EncodedPiece[];
  textBytes: number;
  acceptedItems: number;
  rejectedItems: number;
  /** Each piece's partial-success message, once per distinct text (the decoder counts per piece). */
  rejectionMessages: string[];
  /** The live feed's counts of each piece, applied once every piece is stored. */
  tallies: LiveTally[];
}

type Tally = (signal: Signal, batches: readonly RowBatch[]) => LiveTally | undefined;

interface LiveTally {
  apply(): void;
}

/**
 * How long decoding runs before the event loop gets a turn. A turn after every piece starved
 * decoding under floods: each turn also reads every busy socket (120 uploading clients), so
 * decoding got one ~5 ms piece per ~40 ms turn. At 30 ms, /healthz took up to 0.5 s under the
 * same flood; at 15 ms, under 0.2 s with the same throughput; 10 ms keeps that margin when other
 * processes take most of the cores and every slice stretches. The slice spans exports: the lane
 * starts the next export in a microtask, which is no turn for the event loop.
 */
const SLICE_MS = 10;

/** Gives the event loop a turn once decoding has run SLICE_MS since the last one. */
function createSlicer(): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < SLICE_MS) return;
    await nextTurn();
    sliceStart = performance.now();
  };
}

/** Decodes and encodes every piece, giving the event loop a turn every SLICE_MS. */
async function decodeInPieces(
  signal: Signal,
  encoding: Encoding,
  parcel: BodyParcel,
  ctx: { receivedAtNs: bigint },
  tally: Tally | undefined,
  slice: () => Promise<void>,
): Promise<DecodedPieces> {
  const body = parcel.bytes ?? new Uint8Array(0);
  parcel.bytes = undefined;
  const out: DecodedPieces = { pieces: [], textBytes: 0, acceptedItems: 0, rejectedItems: 0, rejectionMessages: [], tallies: [] };
  const messages = new Set<string>();
  await slice();
  for (const piece of splitExport(signal, encoding, body)) {
    const d = decodeExport(signal, encoding, piece, ctx);
    const tallied = tally?.(signal, d.batches);
    if (tallied !== undefined) out.tallies.push(tallied);
    let textBytes = 0;
    const batches = d.batches
      .filter((b) => b.rows.length > 0)
      .map((b) => {
        const text = encodeRows(b.rows);
        // V8 keeps JSON text of Latin-1 characters at one byte each; wider characters take two,
        // and a few per row do not move the total much.
        textBytes += text.length;
        return { table: b.table, columns: b.columns, rowCount: b.rows.length, text };
      });
    if (batches.length > 0) out.pieces.push({ batches, textBytes });
    out.textBytes += textBytes;
    out.acceptedItems += d.acceptedItems;
    out.rejectedItems += d.rejectedItems;
    if (d.rejectionMessage !== '' && messages.size < 3) messages.add(d.rejectionMessage);
    await slice();
  }
  out.rejectionMessages = [...messages];
  return out;
}

/** Runs jobs one at a time in the order they were asked. */
function createFifoLane(): { run<T>(job: () => Promise<T>): Promise<T> } {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run(job) {
      const result = tail.then(job);
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
