/**
 * @module cli/diff-command
 * `tollgate diff`: what a change to the SLO files would have done on stored data. Reads the base
 * (a git ref or a directory) and the head (a directory, by default the SLO directory in the working
 * tree); asks a running Tollgate (`--url`, scope read) or opens the local store read-only; prints
 * text, Markdown or JSON. Exit 0, or 1 when a `--fail-on` condition holds, 2 when it cannot answer.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import {
  createBacktestService, DefinitionsTooLargeError, FAIL_CONDITIONS, formatMarkdown, formatText, parseDefinitions, reportWire,
  type FailCondition, type ReportWire, type SourceTexts,
} from '../backtest/index.js';
import { loadConfig } from '../config/index.js';
import { attributionOn } from '../attribution/index.js';
import { createDecisionLog } from '../gate/index.js';
import { openStoreReadOnly, StoreUnavailableError } from '../store/index.js';
import { directorySource, gitSource, SourceError } from './diff-sources.js';

export interface DiffCliIo {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
}

const USAGE = `usage: tollgate diff --base REF|DIR [--head DIR] [--dir SLO_DIR] [--url URL] [--token-file PATH]
                     [--format text|markdown|json] [--fail-on ${FAIL_CONDITIONS.join(',')}] [--output FILE]
  --base  a git ref (its copy of the SLO directory) or a directory; --head defaults to the SLO directory
  --dir   the SLO directory (default TOLLGATE_SLO_DIR or ./slo-definitions)
  --url   ask a running Tollgate (or TOLLGATE_URL; token from --token-file or TOLLGATE_TOKEN); without it the
          local store (TOLLGATE_DATA_DIR) is opened read-only, which chDB allows only while no Tollgate runs on it
  exit 0, 1 when a --fail-on condition holds, 2 on an error`;

export async function diffCommand(args: readonly string[], io: DiffCliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      options: {
        base: { type: 'string' }, head: { type: 'string' }, dir: { type: 'string' }, url: { type: 'string' }, 'token-file': { type: 'string' },
        format: { type: 'string', default: 'text' }, 'fail-on': { type: 'string', default: '' }, output: { type: 'string' },
      },
    }));
  } catch (e) {
    io.err(`tollgate diff: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const format = values.format;
  const failOn = values['fail-on'].split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = failOn.filter((c) => !(FAIL_CONDITIONS as readonly string[]).includes(c));
  if (values.base === undefined || !['text', 'markdown', 'json'].includes(format) || unknown.length > 0) {
    const why = values.base === undefined ? 'missing --base' : unknown.length > 0 ? `unknown --fail-on ${unknown.join(', ')}` : `--format must be text, markdown or json, got ${format}`;
    io.err(`tollgate diff: ${why}\n${USAGE}`);
    return 2;
  }
  const sloDir = values.dir ?? io.env['TOLLGATE_SLO_DIR'] ?? 'slo-definitions';
  const url = values.url ?? io.env['TOLLGATE_URL'];

  let wire: ReportWire;
  try {
    const base = await sideOf(values.base, sloDir, io);
    // The head is a directory (the working tree's SLO directory unless --head names another).
    const headSource = await directorySource(values.head ?? sloDir, values.head ?? 'working tree');
    for (const p of headSource.problems) io.err(p);
    const head = headSource.side;
    wire = url === undefined ? await runLocally(base, head, io.env) : await askServer(url, base, head, values['token-file'], io.env);
  } catch (e) {
    if (e instanceof SourceError || e instanceof StoreUnavailableError || e instanceof DefinitionsTooLargeError || e instanceof ServerError) {
      io.err(`tollgate diff: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const text = format === 'json' ? `${JSON.stringify(wire, null, 2)}\n` : format === 'markdown' ? formatMarkdown(wire) : formatText(wire);
  if (values.output !== undefined) writeFileSync(values.output, text);
  else io.out(text.replace(/\n$/, ''));
  const holding = failOn.filter((c) => wire.conditions[c as FailCondition]);
  if (holding.length > 0) {
    io.err(`tollgate diff: ${holding.join(', ')}`);
    return 1;
  }
  return 0;
}

/** A directory when one exists at `ref`, else the SLO directory as that git ref has it. */
async function sideOf(ref: string, sloDir: string, io: DiffCliIo, label = ref): Promise<SourceTexts> {
  try {
    const { side, problems } = await directorySource(ref, label);
    for (const p of problems) io.err(p);
    return side;
  } catch (e) {
    if (!(e instanceof SourceError)) throw e;
    return gitSource(ref, sloDir);
  }
}

class ServerError extends Error {
  override readonly name = 'ServerError';
}

async function askServer(url: string, base: SourceTexts, head: SourceTexts, tokenFile: string | undefined, env: DiffCliIo['env']): Promise<ReportWire> {
  const token = tokenFile !== undefined ? readFileSync(tokenFile, 'utf8').trim() : env['TOLLGATE_TOKEN'];
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/+$/, '')}/v1/backtest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ base, head }),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (e) {
    throw new ServerError(`cannot reach ${url}: ${(e as Error).message}`);
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.status !== 200) {
    const error = typeof body === 'object' && body !== null && 'error' in body ? String(body.error) : `HTTP ${res.status}`;
    throw new ServerError(`${url} answered ${res.status}: ${error}`);
  }
  // The server's own JSON shape (backtest/wire.ts).
  return body as ReportWire;
}

async function runLocally(baseTexts: SourceTexts, headTexts: SourceTexts, env: DiffCliIo['env']): Promise<ReportWire> {
  const [base, head] = [await parseDefinitions(baseTexts, { inWorker: false }), await parseDefinitions(headTexts, { inWorker: false })];
  const config = loadConfig(env);
  const store = await openStoreReadOnly(config.clickhouse);
  try {
    const decisions = createDecisionLog({ store, log: pino({ level: 'silent' }) });
    const service = createBacktestService({ store, decisions, attributionFor: attributionOn(store) });
    return reportWire(await service.run(base, head));
  } finally {
    await store.close();
  }
}
