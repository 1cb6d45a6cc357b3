import { describe, expect, it } from 'vitest';
import { decodeUtf8, firstInvalidByte } from '../../../src/slo/spec/decode-utf8.js';

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));

describe('firstInvalidByte', () => {
  it.each<[string, Uint8Array, number | null]>([
    ['ASCII', bytes('name: demo\n'), null],
    ['two-, three- and four-byte characters', bytes('é € 𝄞'), null],
    ['a byte-order mark', bytes([0xef, 0xbb, 0xbf], 'a: 1'), null],
    ['Latin-1 é', bytes('caf', [0xe9], '\n'), 3],
    ['a lone continuation byte', bytes('ab', [0x80]), 2],
    ['an overlong slash (C0 AF)', bytes('a', [0xc0, 0xaf]), 1],
    ['an overlong three-byte form (E0 80 AF)', bytes([0xe0, 0x80, 0xaf]), 0],
    ['a UTF-16 surrogate (ED A0 80)', bytes('x', [0xed, 0xa0, 0x80]), 1],
    ['a code point above U+10FFFF (F4 90 80 80)', bytes([0xf4, 0x90, 0x80, 0x80]), 0],
    ['a character cut short by the end', bytes('ab', [0xe2, 0x82]), 2],
    ['a character broken by ASCII, at its lead byte', bytes('a', [0xe2, 0x82], 'x'), 1],
    ['UTF-16 with a byte-order mark', bytes([0xff, 0xfe, 0x61, 0x00]), 0],
  ])('%s', (_, input, expected) => {
    expect(firstInvalidByte(input)).toBe(expected);
    // Agrees with the decoder it explains.
    expect(decodeUtf8(input).ok).toBe(expected === null);
  });
});

describe('decodeUtf8', () => {
  it('keeps a byte-order mark in the text, as reading with utf8 did', () => {
    expect(decodeUtf8(bytes([0xef, 0xbb, 0xbf], 'a: 1'))).toEqual({ ok: true, text: '\uFEFFa: 1' });
  });

  it('gives the line and the column in characters of the first bad byte', () => {
    expect(decodeUtf8(bytes('a: 1\nname: 𝄞 caf', [0xe9], '\n'))).toEqual({
      ok: false,
      line: 2,
      // "name: " is 6, the clef is 2 UTF-16 units as yaml counts columns, " caf" is 4.
      column: 13,
      message: 'invalid UTF-8 (byte 0xE9): SLO files must be UTF-8 text',
      lossyText: 'a: 1\nname: 𝄞 caf\uFFFD\n',
    });
  });
});
