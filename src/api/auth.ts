/**
 * @module api/auth
 * Scope checks for API routes: a hono middleware over the shared token verifier.
 */
import type { MiddlewareHandler } from 'hono';
import type { Scope, TokenVerifier } from '../auth/index.js';

export function requireScope(tokens: TokenVerifier, ...scopes: Scope[]): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization');
    let last: { status: 401 | 403; message: string } | undefined;
    for (const scope of scopes) {
      const result = tokens.check(header, scope);
      if (result.ok) return next();
      last = result;
    }
    return c.json({ error: last?.message ?? 'unauthorized' }, last?.status ?? 401);
  };
}
