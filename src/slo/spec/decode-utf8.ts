/**
 * @module slo/spec/decode-utf8
 * A file's bytes to its text, or the line and column of the first byte that is not UTF-8. Pure.
 *
 * `readFile(path, 'utf8')` replaces bad bytes with U+FFFD, so a file in Latin-1 or UTF-16 used to load with
 * mangled names and validate as "valid".
 */

export type Decoded =
  | { ok: true; text: string }
  /** `lossyText`: the text with U+FFFD for bad bytes, so that the revision still changes when the file does. */
  | { ok: false; line: number; column: number; message: string; lossyText: string };

// ignoreBOM keeps a byte-order mark in the text, as Buffer#toString does; yaml reads it as a BOM token.
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function decodeUtf8(bytes: Uint8Array): Decoded {
  try {
    return { ok: true, text: strict.decode(bytes) };
  } catch {
    // The native decoder says only that the input is bad; find where, the same way it decides.
  }
  const bad = firstInvalidByte(bytes) ?? 0;
  const lineStart = bytes.lastIndexOf(0x0a, bad - 1) + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
  // Columns count UTF-16 code units from the line start, as yaml's LineCounter does for every other problem.
  const column = lossy.decode(bytes.subarray(lineStart, bad)).length + 1;
  const byte = (bytes[bad] ?? 0).toString(16).toUpperCase().padStart(2, '0');
  return { ok: false, line, column, message: `invalid UTF-8 (byte 0x${byte}): SLO files must be UTF-8 text`, lossyText: lossy.decode(bytes) };
}

/**
 * The index of the first byte at which a UTF-8 decoder fails (WHATWG Encoding §4.1: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or null if every byte is good. A sequence that is cut short or
 * broken fails at its lead byte: that is the character a user has to fix.
 */
export function firstInvalidByte(bytes: Uint8Array): number | null {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let length: number;
    // The allowed range of the second byte; later ones are always 0x80..0xBF.
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0; // overlong
      if (lead === 0xed) high = 0x9f; // UTF-16 surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90; // overlong
      if (lead === 0xf4) high = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k < length; k++) {
      const b = bytes[i + k];
      if (b === undefined) return i;
      const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (b < min || b > max) return i;
    }
    i += length;
  }
  return null;
}
