/**
 * @module cli/gate-command
 * `tollgate gate`: what the Argo CD PreSync hook runs. Asks Tollgate, prints the summary and the
 * decision's link, writes the summary to the termination log (Argo CD shows it on a failed hook),
 * exits 0 on allow and 1 on deny; 2 on a usage or connection error. With --wait it asks again
 * while the answer is `wait`, as told by retry_after_seconds, until allow, deny or the timeout.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface GateCliIo {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  sleep?: (ms: number) => Promise<void>;
}

interface Answer {
  decision: 'allow' | 'deny' | 'wait';
  summary: string;
  url?: string;
  retry_after_seconds?: number;
}

const USAGE = `usage: tollgate gate --url URL --app APP --environment ENV --service SVC[,SVC] --config-hash HASH
                     [--revision REV] [--wait] [--timeout SECONDS] [--token-file PATH] [--termination-log PATH]
  the URL may come from TOLLGATE_URL, the token from --token-file or TOLLGATE_TOKEN; exit 0 allow, 1 deny, 2 error`;

export async function gateCommand(args: readonly string[], io: GateCliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      options: {
        url: { type: 'string' }, app: { type: 'string' }, environment: { type: 'string' }, service: { type: 'string' },
        'config-hash': { type: 'string' }, revision: { type: 'string' }, wait: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '600' }, 'token-file': { type: 'string' }, 'termination-log': { type: 'string', default: '/dev/termination-log' },
      },
    }));
  } catch (e) {
    io.err(`tollgate gate: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  // The URL, like the token, may come from the environment (a Secret in the hook Job).
  values.url ??= io.env['TOLLGATE_URL'];
  const missing = (['url', 'app', 'environment', 'service', 'config-hash'] as const).filter((k) => values[k] === undefined);
  const timeoutSeconds = Number(values.timeout);
  if (missing.length > 0 || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    io.err(`tollgate gate: ${missing.length > 0 ? `missing --${missing.join(', --')}` : `--timeout ${values.timeout} is not a number of seconds`}\n${USAGE}`);
    return 2;
  }
  const token = values['token-file'] !== undefined ? readFileSync(values['token-file'], 'utf8').trim() : io.env['TOLLGATE_TOKEN'];
  const body = JSON.stringify({
    app: values.app, environment: values.environment, service: values.service!.split(',').map((s) => s.trim()).filter(Boolean),
    config_hash: values['config-hash'], ...(values.revision === undefined ? {} : { revision: values.revision }),
  });
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + timeoutSeconds * 1000;
  const endpoint = `${values.url!.replace(/\/+$/, '')}/v1/gate`;

  for (;;) {
    let answer: Answer;
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        body,
        signal: AbortSignal.timeout(Math.max(1_000, Math.min(60_000, deadline - Date.now()))),
      });
      if (res.status !== 200) {
        io.err(`tollgate gate: ${endpoint} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
        return 2;
      }
      answer = (await res.json()) as Answer;
    } catch (e) {
      io.err(`tollgate gate: cannot reach ${endpoint}: ${(e as Error).message}`);
      return 2;
    }
    if (answer.decision !== 'wait' || !values.wait || Date.now() >= deadline) {
      report(answer, values['termination-log'], io);
      return answer.decision === 'allow' ? 0 : 1;
    }
    io.out(`${answer.summary} (asking again in ${answer.retry_after_seconds ?? 30} s)`);
    await sleep(Math.min((answer.retry_after_seconds ?? 30) * 1000, Math.max(0, deadline - Date.now())));
  }
}

function report(answer: Answer, terminationLog: string, io: GateCliIo): void {
  io.out(answer.summary);
  if (answer.url !== undefined) io.out(`evidence: ${answer.url}`);
  // Kubernetes shows this file's text as the container's termination message, and Argo CD shows
  // that on the failed hook: the on-call person reads why without opening logs.
  const directory = terminationLog.slice(0, terminationLog.lastIndexOf('/')) || '/';
  if (existsSync(terminationLog) || (terminationLog !== '/dev/termination-log' && existsSync(directory))) {
    try {
      writeFileSync(terminationLog, `${answer.summary}${answer.url === undefined ? '' : `\n${answer.url}`}\n`);
    } catch {
      // not writable here: the summary is on stdout anyway
    }
  }
}
