/**
 * @module api/backtest-routes
 * `POST /v1/backtest` (scope read): a change to the SLO files, sent as the base's and the head's
 * files, replayed on this Tollgate's stored data (`tollgate diff --url`). The answer is the
 * report's JSON shape (backtest/wire.ts); `?format=markdown|text` answers the formatted report.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/index.js';
import {
  DefinitionsTooLargeError, formatMarkdown, formatText, parseDefinitions, reportWire, type BacktestService,
} from '../backtest/index.js';
import { SLO_LIMITS } from '../slo/spec/index.js';
import { requireScope } from './auth.js';

const side = z.strictObject({
  label: z.string().min(1).max(200),
  files: z.array(z.strictObject({ path: z.string().min(1).max(1_000), text: z.string() })).max(SLO_LIMITS.maxDirectoryFiles),
});
const body = z.strictObject({ base: side, head: side });

/** Both sides at the SLO directory's byte limit, as JSON (escaping can double text), and some room. */
const MAX_BODY_BYTES = 4 * SLO_LIMITS.maxDirectoryBytes + 1024 * 1024;

export function createBacktestRoutes({ backtest, tokens }: { backtest: BacktestService; tokens: TokenVerifier }): Hono {
  const app = new Hono();
  app.post(
    '/v1/backtest',
    requireScope(tokens, 'read'),
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `body over ${MAX_BODY_BYTES} bytes` }, 413) }),
    async (c) => {
      let input: unknown;
      try {
        input = await c.req.json();
      } catch {
        return c.json({ error: 'body must be JSON: {base: {label, files: [{path, text}]}, head: {…}}' }, 400);
      }
      const parsed = body.safeParse(input);
      if (!parsed.success) return c.json({ error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') }, 400);
      let sides;
      try {
        sides = await Promise.all([parseDefinitions(parsed.data.base), parseDefinitions(parsed.data.head)]);
      } catch (e) {
        if (e instanceof DefinitionsTooLargeError) return c.json({ error: e.message }, 413);
        throw e;
      }
      const wire = reportWire(await backtest.run(sides[0], sides[1]));
      const format = c.req.query('format') ?? 'json';
      if (format === 'markdown') return c.text(formatMarkdown(wire), 200, { 'Content-Type': 'text/markdown; charset=utf-8' });
      if (format === 'text') return c.text(formatText(wire));
      if (format !== 'json') return c.json({ error: `format must be json, markdown or text, got "${format}"` }, 400);
      return c.json(wire);
    },
  );
  return app;
}
