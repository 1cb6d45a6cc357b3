/** The request could not be decoded: the client's fault, answered with 400 / INVALID_ARGUMENT. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}
