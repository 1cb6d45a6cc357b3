/**
 * @module ingest/status
 * Error bodies as the OTLP spec asks: a google.rpc.Status in the request's encoding, and for
 * retryable refusals a RetryInfo detail, which gRPC clients read from `grpc-status-details-bin`.
 */
import { create, toBinary, toJsonString } from '@bufbuild/protobuf';
import { anyPack, DurationSchema } from '@bufbuild/protobuf/wkt';
import { RetryInfoSchema, StatusSchema } from './gen/google/rpc/status_pb.js';
import type { Encoding } from './decode/index.js';

/** gRPC status codes used by OTLP (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
  PERMISSION_DENIED: 7,
} as const;

export function statusBytes(code: number, message: string, retryAfterSeconds?: number): Uint8Array {
  return toBinary(StatusSchema, statusMessage(code, message, retryAfterSeconds));
}

export function statusBody(encoding: Encoding, code: number, message: string): Uint8Array {
  const status = statusMessage(code, message, undefined);
  return encoding === 'protobuf' ? toBinary(StatusSchema, status) : Buffer.from(toJsonString(StatusSchema, status));
}

function statusMessage(code: number, message: string, retryAfterSeconds: number | undefined) {
  const details =
    retryAfterSeconds === undefined
      ? []
      : [anyPack(RetryInfoSchema, create(RetryInfoSchema, { retryDelay: create(DurationSchema, { seconds: BigInt(retryAfterSeconds), nanos: 0 }) }))];
  return create(StatusSchema, { code, message, details });
}
