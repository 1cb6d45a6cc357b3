/**
 * @module auth/tokens
 * Bearer tokens with scopes. Only SHA-256 hashes are configured, so a leaked tokens file grants
 * nothing; presented tokens are hashed and compared in constant time.
 * File or TOLLGATE_TOKENS (same content, YAML or JSON):
 *   tokens:
 *     - { name: argo-cd, sha256: <64 hex>, scopes: [gate] }
 * `admin` implies every scope. `npx tollgate hash-token <token>` prints the hash.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const SCOPES = ['ingest', 'gate', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const TokensFileSchema = z.strictObject({
  tokens: z.array(
    z.strictObject({
      name: z.string().min(1),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex characters (npx tollgate hash-token <token>)'),
      scopes: z.array(z.enum(SCOPES)).min(1),
    }),
  ),
});

interface TokenEntry {
  name: string;
  hash: Buffer;
  scopes: ReadonlySet<Scope>;
}

export type AuthResult =
  | { ok: true; tokenName: string | undefined }
  | { ok: false; status: 401 | 403; message: string };

export interface TokenVerifier {
  /** False when no tokens are configured: every request is allowed (loopback only, see config). */
  readonly enabled: boolean;
  /** Whether the header's token holds `scope`, or any one of `scope` when several would do (or `admin`). */
  check(authorizationHeader: string | undefined, scope: Scope | readonly Scope[]): AuthResult;
}

export class TokensConfigError extends Error {
  override readonly name = 'TokensConfigError';
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function loadTokens({ file, inline }: { file: string | undefined; inline: string | undefined }): TokenVerifier {
  const entries: TokenEntry[] = [];
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new TokensConfigError(`TOLLGATE_TOKENS_FILE=${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    entries.push(...parseTokens(text, `TOLLGATE_TOKENS_FILE=${file}`));
  }
  if (inline !== undefined) entries.push(...parseTokens(inline, 'TOLLGATE_TOKENS'));
  return createTokenVerifier(entries);
}

function parseTokens(text: string, where: string): TokenEntry[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new TokensConfigError(`${where}: not valid YAML or JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const parsed = TokensFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TokensConfigError(`${where}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data.tokens.map((t) => ({ name: t.name, hash: Buffer.from(t.sha256, 'hex'), scopes: new Set(t.scopes) }));
}

export function createTokenVerifier(entries: readonly TokenEntry[]): TokenVerifier {
  return {
    enabled: entries.length > 0,
    check(header, scope) {
      if (entries.length === 0) return { ok: true, tokenName: undefined };
      const wanted: readonly Scope[] = typeof scope === 'string' ? [scope] : scope;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
      if (match?.[1] === undefined) return { ok: false, status: 401, message: 'missing bearer token (Authorization: Bearer <token>)' };
      const presented = createHash('sha256').update(match[1], 'utf8').digest();
      // Compare against every entry so timing does not reveal which one matched.
      let found: TokenEntry | undefined;
      for (const e of entries) if (timingSafeEqual(e.hash, presented) && found === undefined) found = e;
      if (found === undefined) return { ok: false, status: 401, message: 'unknown token' };
      if (!wanted.some((w) => found.scopes.has(w)) && !found.scopes.has('admin')) {
        return { ok: false, status: 403, message: `token "${found.name}" lacks ${scopesNeeded(wanted)} (it has ${[...found.scopes].map((x) => `"${x}"`).join(', ')})` };
      }
      return { ok: true, tokenName: found.name };
    },
  };
}

/** `the "gate" scope`, or `a scope this needs: "read" or "gate"` when any of several would do. */
function scopesNeeded(wanted: readonly Scope[]): string {
  const quoted = wanted.map((w) => `"${w}"`);
  if (quoted.length <= 1) return `the ${quoted[0] ?? '"admin"'} scope`;
  return `a scope this needs: ${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}
