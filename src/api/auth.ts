/**
 * @module api/auth
 * Scope checks for API routes: a hono middleware over the shared token verifier. When several
 * scopes would do, a token holding any one passes, and a refusal names them all (naming only the
 * last one tried sent operators to grant the wrong scope).
 */
import type { MiddlewareHandler } from 'hono';
import type { Scope, TokenVerifier } from '../auth/index.js';

export function requireScope(tokens: TokenVerifier, ...scopes: Scope[]): MiddlewareHandler {
  return async (c, next) => {
    const result = tokens.check(c.req.header('authorization'), scopes);
    if (result.ok) return next();
    return c.json({ error: result.message }, result.status);
  };
}
