/**
 * The Argo CD, Argo Rollouts and Flagger files under deploy/argocd/, checked without Kubernetes:
 * they parse; the PreSync Job has the hook annotations, fails on the first deny and outlives the
 * CLI's own deadline; the example files agree on app, environment, service and config hash; and
 * each integration, rendered the way its controller renders it, works against a real in-process
 * Tollgate with tokens configured: the Job's command as a process, the notifications webhook's
 * request, the AnalysisTemplate's web metric and the Flagger load tester's command.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { hashToken } from '../../src/auth/index.js';
import { REPO_ROOT, startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';
import { arr, obj, str, type Obj } from '../helpers/narrow.js';

const DIR = path.join(REPO_ROOT, 'deploy/argocd');
const GATE_TOKEN = 'argocd-gate-token-1';
const TOKENS = JSON.stringify({ tokens: [{ name: 'argo-cd', sha256: hashToken(GATE_TOKEN), scopes: ['gate'] }] });

/** The value at a dotted path (`spec.template.spec`); a missing step fails with the path so far. */
function at(v: unknown, dotted: string): unknown {
  let current = v;
  const walked: string[] = [];
  for (const key of dotted.split('.')) {
    current = obj(current, walked.join('.') || '(root)')[key];
    walked.push(key);
  }
  return current;
}

const read = (file: string): string => readFileSync(path.join(DIR, file), 'utf8');
const yamlFiles = (): string[] => readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
/** The single document of a deploy/argocd file. */
const load = (file: string): Obj => obj(parseYaml(read(file)) as unknown, file);

interface Container {
  command: string[];
  args: string[];
  env: Obj[];
  raw: Obj;
}

function gateJob(): { job: Obj; podSpec: Obj; container: Container } {
  const job = load('presync-gate-job.yaml');
  const podSpec = obj(at(job, 'spec.template.spec'), 'spec.template.spec');
  const containers = arr(podSpec['containers'], 'containers');
  expect(containers).toHaveLength(1);
  const raw = obj(containers[0], 'containers[0]');
  return {
    job,
    podSpec,
    container: {
      raw,
      command: arr(raw['command'], 'command').map((c) => str(c, 'command')),
      args: arr(raw['args'], 'args').map((a) => str(a, 'args')),
      env: arr(raw['env'], 'env').map((e, i) => obj(e, `env[${i}]`)),
    },
  };
}

/** `--name=value` or `--name value` from an argument list. */
function flag(args: readonly string[], name: string): string | undefined {
  for (const [i, a] of args.entries()) {
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    if (a === `--${name}`) return args[i + 1];
  }
  return undefined;
}

/** A literal env value of the Job's container (the ones a chart renders per release). */
function envValue(c: Container, name: string): string {
  const entry = c.env.find((e) => e['name'] === name);
  if (entry === undefined) throw new Error(`the gate container has no env ${name}`);
  return str(entry['value'], `env ${name}`);
}

/** The container's environment as the kubelet builds it: literal values and secretKeyRefs. */
function resolveEnv(c: Container, secrets: Record<string, Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env) {
    const name = str(e['name'], 'env name');
    if (typeof e['value'] === 'string') {
      env[name] = e['value'];
      continue;
    }
    const ref = obj(at(e, 'valueFrom.secretKeyRef'), `env ${name}`);
    const value = secrets[str(ref['name'], `env ${name}`)]?.[str(ref['key'], `env ${name}`)];
    if (value === undefined) throw new Error(`env ${name}: no test secret ${JSON.stringify(ref)}`);
    env[name] = value;
  }
  return env;
}

/**
 * Kubernetes' expansion of `$(VAR)` in command and args: a defined variable is replaced, `$$` is a
 * literal `$`, an undefined reference stays as written.
 */
function expandK8s(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) =>
    m === '$$' ? '$' : (name !== undefined ? env[name] : undefined) ?? m);
}

/**
 * A stand-in for Go's text/template, which Argo CD notifications renders templates with: it knows
 * only the two forms the Tollgate template uses, `{{.a.b}}` and `{{index .a.b "key"}}`, and throws
 * on anything else and on missing fields (Go would print "<no value>"), so a template that outgrows
 * it fails here instead of rendering wrong.
 */
function renderGoTemplate(template: string, data: unknown): string {
  return template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_m, expr: string) => {
    const field = /^\.([\w.]+)$/.exec(expr);
    const indexed = /^index\s+\.([\w.]+)\s+"([^"]+)"$/.exec(expr);
    const value = field !== null ? at(data, field[1]!) : indexed !== null ? obj(at(data, indexed[1]!), expr)[indexed[2]!] : undefined;
    if (field === null && indexed === null) throw new Error(`the stand-in renderer does not know {{${expr}}}`);
    if (typeof value !== 'string') throw new Error(`{{${expr}}}: no string value in the sample application`);
    return value;
  });
}

/** Argo CD notifications' `$key` references in a service config, resolved from argocd-notifications-secret. */
const resolveSecretRefs = (s: string, secret: Record<string, string>): string =>
  s.replace(/\$([\w-]+)/g, (m, key: string) => secret[key] ?? m);

/** Argo Rollouts' `{{ args.name }}` placeholders, resolved when the AnalysisRun is created. */
function renderRolloutArgs(s: string, args: Record<string, string>): string {
  const out = s.replace(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (_m, name: string) => {
    const value = args[name];
    if (value === undefined) throw new Error(`no value for args.${name}`);
    return value;
  });
  if (out.includes('{{')) throw new Error(`unresolved placeholder in ${out}`);
  return out;
}

/** The `{$.a.b}` form of Kubernetes JSONPath that the web metric uses. */
function jsonPathLookup(expression: string, body: unknown): unknown {
  const m = /^\{\$((?:\.[\w-]+)+)\}$/.exec(expression);
  if (m === null) throw new Error(`not a simple {$.field} path: ${expression}`);
  return at(body, m[1]!.slice(1));
}

/** `result == "allow"`: the one form of condition the template uses. */
function holds(condition: string, result: unknown): boolean {
  const m = /^result == "([^"]*)"$/.exec(condition);
  if (m === null) throw new Error(`not a result == "…" condition: ${condition}`);
  return result === m[1];
}

function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

// ---------------------------------------------------------------------------------------------

describe('the files in deploy/argocd', () => {
  it('parse without errors, each document naming its apiVersion, kind and metadata.name', () => {
    const files = yamlFiles();
    expect(files).toEqual(['analysis-template.yaml', 'application.yaml', 'flagger-canary.yaml', 'notifications-cm.yaml', 'presync-gate-job.yaml']);
    for (const file of files) {
      const docs = parseAllDocuments(read(file));
      expect(Array.isArray(docs) ? docs.length : 0, file).toBe(1);
      for (const doc of Array.isArray(docs) ? docs : []) {
        expect(doc.errors.map((e) => e.message), file).toEqual([]);
        const o = obj(doc.toJS() as unknown, file);
        expect(typeof o['apiVersion'], file).toBe('string');
        expect(typeof o['kind'], file).toBe('string');
        expect(typeof at(o, 'metadata.name'), file).toBe('string');
      }
    }
  });

  it('are documented in the README, which cites its sources', () => {
    const readme = read('README.md');
    for (const file of yamlFiles()) expect(readme, file).toContain(file);
    expect(readme).toMatch(/## When Argo CD skips the hook/);
    expect(readme).toMatch(/https:\/\/github\.com\/argoproj\/argo-cd\//);
  });
});

describe('the PreSync gate Job', () => {
  it('is a PreSync hook in a low wave, recreated on each sync under its fixed name', () => {
    const { job } = gateJob();
    expect(at(job, 'kind')).toBe('Job');
    expect(at(job, 'metadata.generateName')).toBeUndefined();
    expect(at(job, 'metadata.name')).toBe('tollgate-gate');
    const annotations = obj(at(job, 'metadata.annotations'), 'annotations');
    expect(annotations['argocd.argoproj.io/hook']).toBe('PreSync');
    expect(annotations['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
    // Annotation values are strings: an unquoted -10 would be a YAML number and rejected by the API server.
    const wave = str(annotations['argocd.argoproj.io/sync-wave'], 'sync-wave');
    expect(Number(wave)).toBeLessThan(0);
  });

  it('fails on the first deny and ends after the CLI has given up waiting', () => {
    const { job, podSpec, container } = gateJob();
    expect(at(job, 'spec.backoffLimit')).toBe(0);
    expect(podSpec['restartPolicy']).toBe('Never');
    expect(container.args).toContain('--wait');
    const timeoutSeconds = Number(flag(container.args, 'timeout'));
    const activeDeadlineSeconds = Number(at(job, 'spec.activeDeadlineSeconds'));
    expect(timeoutSeconds).toBeGreaterThan(0);
    // Scheduling and the image pull count against the Job's deadline, not against the CLI's.
    expect(activeDeadlineSeconds).toBeGreaterThanOrEqual(timeoutSeconds + 120);
  });

  it('hands the summary to Kubernetes through the termination log the CLI writes by default', () => {
    const { container } = gateJob();
    expect(container.raw['terminationMessagePath']).toBe('/dev/termination-log');
    expect(container.raw['terminationMessagePolicy']).toBe('FallbackToLogsOnError');
    // The CLI's default is /dev/termination-log; an override would have to name the same file.
    expect(flag(container.args, 'termination-log') ?? '/dev/termination-log').toBe('/dev/termination-log');
  });

  it('runs as non-root on a read-only root filesystem with a writable /tmp for tsx', () => {
    const { podSpec, container } = gateJob();
    expect(at(podSpec, 'securityContext.runAsNonRoot')).toBe(true);
    expect(at(container.raw, 'securityContext.readOnlyRootFilesystem')).toBe(true);
    expect(at(container.raw, 'securityContext.allowPrivilegeEscalation')).toBe(false);
    const tmp = arr(container.raw['volumeMounts'], 'volumeMounts').map((m) => obj(m, 'volumeMount')).find((m) => m['mountPath'] === '/tmp');
    expect(tmp).toBeDefined();
    const volume = arr(podSpec['volumes'], 'volumes').map((v) => obj(v, 'volume')).find((v) => v['name'] === tmp?.['name']);
    expect(volume?.['emptyDir']).toBeDefined();
    expect(obj(container.raw['resources'], 'resources')['requests']).toBeDefined();
  });

  it('takes the URL and token from a Secret and defines every $(VAR) its args reference', () => {
    const { container } = gateJob();
    for (const name of ['TOLLGATE_URL', 'TOLLGATE_TOKEN']) {
      const entry = container.env.find((e) => e['name'] === name);
      expect(at(entry, 'valueFrom.secretKeyRef.name'), name).toBe('tollgate-gate');
    }
    const defined = new Set(container.env.map((e) => e['name']));
    const referenced = container.args.flatMap((a) => [...a.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]));
    expect(referenced.length).toBeGreaterThan(0);
    // Kubernetes leaves an undefined $(VAR) as literal text: the gate would ask about "$(VAR)".
    expect(referenced.filter((r) => !defined.has(r))).toEqual([]);
  });
});

describe('the example files agree with each other', () => {
  const application = () => load('application.yaml');
  const annotation = (key: string) => str(obj(at(application(), 'metadata.annotations'), 'annotations')[key], key);
  const helmParameter = (name: string) => {
    const found = arr(at(application(), 'spec.source.helm.parameters'), 'helm.parameters').map((p) => obj(p, 'parameter')).find((p) => p['name'] === name);
    return str(found?.['value'], `helm parameter ${name}`);
  };

  it('names one app, environment, service and config hash in the Job and the Application', () => {
    const { container } = gateJob();
    expect(envValue(container, 'TOLLGATE_APP')).toBe(str(at(application(), 'metadata.name'), 'name'));
    expect(envValue(container, 'TOLLGATE_ENVIRONMENT')).toBe(annotation('tollgate.dev/environment'));
    expect(envValue(container, 'TOLLGATE_SERVICE')).toBe(annotation('tollgate.dev/service'));
    expect(envValue(container, 'TOLLGATE_CONFIG_HASH')).toBe(annotation('tollgate.dev/config-hash'));
    expect(helmParameter('tollgate.configHash')).toBe(annotation('tollgate.dev/config-hash'));
    expect(helmParameter('tollgate.revision')).toBe('$ARGOCD_APP_REVISION');
  });

  it("subscribes the Application to a trigger and a service the notifications ConfigMap defines, and the trigger sends Tollgate's template", () => {
    const data = obj(at(load('notifications-cm.yaml'), 'data'), 'data');
    const subscriptions = Object.keys(obj(at(application(), 'metadata.annotations'), 'annotations'))
      .map((k) => /^notifications\.argoproj\.io\/subscribe\.([^.]+)\.([^.]+)$/.exec(k))
      .filter((m) => m !== null);
    expect(subscriptions.map((m) => [m[1], m[2]])).toEqual([['on-deployed', 'tollgate']]);
    expect(data['service.webhook.tollgate']).toBeDefined();
    const trigger = arr(parseYaml(str(data['trigger.on-deployed'], 'trigger.on-deployed')) as unknown, 'trigger');
    const condition = obj(trigger[0], 'trigger[0]');
    expect(condition['send']).toEqual(['tollgate-deployed']);
    expect(str(condition['when'], 'when')).toContain("app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy'");
    expect(condition['oncePer']).toBe('app.status.operationState?.syncResult?.revision');
    expect(data['template.tollgate-deployed']).toBeDefined();
  });
});

describe('against a running Tollgate', () => {
  let tg: InProcessTollgate;
  let sloDir: string;
  beforeAll(async () => {
    // No SLOs and no policies: the defaults answer, and a release with no data anywhere is allowed.
    sloDir = tempDir('tollgate-argocd-');
    tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_TOKENS: TOKENS, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  });
  afterAll(async () => {
    await tg?.cleanup();
    rmSync(sloDir, { recursive: true, force: true });
  });

  /** The Secret the Job, the AnalysisTemplate and the load tester read, pointing at this Tollgate. */
  const secrets = (): Record<string, Record<string, string>> => ({ 'tollgate-gate': { url: tg.apiUrl, token: GATE_TOKEN } });

  it("runs the Job's container command, which allows a release with no data and exits 0", async () => {
    const { container } = gateJob();
    const [executable, script, ...rest] = container.command;
    // The image runs the repository copied to /app; here the same file runs from this checkout.
    expect(executable).toBe('node');
    expect(script).toMatch(/^\/app\//);
    const local = path.join(REPO_ROOT, script!.slice('/app/'.length));
    expect(existsSync(local)).toBe(true);
    const env = resolveEnv(container, secrets());
    const argv = [local, ...rest, ...container.args].map((a) => expandK8s(a, env));
    expect(argv.filter((a) => a.includes('$('))).toEqual([]);
    const r = await run(process.execPath, argv, env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^allow: /);
    expect(r.out).toMatch(/evidence: http:\/\/.*\/decisions\//);
    // The decision was stored under the Job's app, environment and revision.
    const list = (await (await fetch(`${tg.apiUrl}/v1/gate/decisions?app=${envValue(container, 'TOLLGATE_APP')}&environment=${envValue(container, 'TOLLGATE_ENVIRONMENT')}`, {
      headers: { authorization: `Bearer ${GATE_TOKEN}` },
    })).json()) as { decisions: Array<{ decision: string }> };
    expect(list.decisions.map((d) => d.decision)).toEqual(['allow']);
  });

  it("records a deploy event from the rendered notifications webhook once, however often it is sent", async () => {
    const data = obj(at(load('notifications-cm.yaml'), 'data'), 'data');
    const notificationsSecret = { 'tollgate-token': GATE_TOKEN };
    const service = obj(parseYaml(resolveSecretRefs(str(data['service.webhook.tollgate'], 'service'), notificationsSecret)) as unknown, 'service');
    expect(str(service['url'], 'url')).toMatch(/^https?:\/\//);
    const headers = Object.fromEntries(arr(service['headers'], 'headers').map((h) => {
      const header = obj(h, 'header');
      return [str(header['name'], 'header name'), str(header['value'], 'header value')];
    }));
    expect(headers['Authorization']).toBe(`Bearer ${GATE_TOKEN}`);
    const webhook = obj(at(parseYaml(str(data['template.tollgate-deployed'], 'template')) as unknown, 'webhook.tollgate'), 'webhook.tollgate');

    // The Application as Argo CD holds it after a successful sync: the example's metadata plus status.
    const app = {
      metadata: obj(at(load('application.yaml'), 'metadata'), 'metadata'),
      status: {
        sync: { status: 'Synced', revision: '3f1c2a9d8b7e6f5a4c3b2a1908f7e6d5c4b3a291' },
        health: { status: 'Healthy' },
        operationState: {
          phase: 'Succeeded',
          startedAt: '2026-11-24T09:58:40Z',
          finishedAt: '2026-11-24T10:00:00Z',
          syncResult: { revision: '3f1c2a9d8b7e6f5a4c3b2a1908f7e6d5c4b3a291' },
        },
      },
    };
    const body = renderGoTemplate(str(webhook['body'], 'body'), { app });
    expect(JSON.parse(body)).toEqual({
      app: 'checkout', environment: 'prod', service: 'checkout', config_hash: '7f3a9c2e41d0',
      revision: '3f1c2a9d8b7e6f5a4c3b2a1908f7e6d5c4b3a291', time: '2026-11-24T10:00:00Z', source: 'argocd',
    });
    // The webhook service joins url and path with one slash (notifications-engine, webhook.go);
    // the configured host is swapped for this Tollgate's.
    const url = `${tg.apiUrl.replace(/\/+$/, '')}/${str(webhook['path'], 'path').replace(/^\/+/, '')}`;
    const send = () => fetch(url, { method: str(webhook['method'], 'method'), headers, body });

    const first = await send();
    expect(first.status).toBe(201);
    const again = await send();
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ stored: false, duplicate: true });
    const list = (await (await fetch(`${tg.apiUrl}/v1/deployments?app=checkout`, { headers: { authorization: `Bearer ${GATE_TOKEN}` } })).json()) as {
      deployments: Array<{ revision: string; config_hash: string; deployed_at: string; source: string }>;
    };
    expect(list.deployments).toEqual([expect.objectContaining({
      revision: '3f1c2a9d8b7e6f5a4c3b2a1908f7e6d5c4b3a291', config_hash: '7f3a9c2e41d0', deployed_at: '2026-11-24T10:00:00.000Z', source: 'argocd',
    })]);
  });

  it("answers the AnalysisTemplate's web metric with a decision its jsonPath reaches and its successCondition accepts", async () => {
    const template = load('analysis-template.yaml');
    const declared = arr(at(template, 'spec.args'), 'args').map((a) => obj(a, 'arg'));
    // Args as the AnalysisRun gets them: the Rollout's values, defaults, and secretKeyRefs resolved.
    const fromRollout: Record<string, string> = { app: 'checkout', environment: 'prod', service: 'checkout', 'config-hash': '7f3a9c2e41d0' };
    const args: Record<string, string> = {};
    for (const a of declared) {
      const name = str(a['name'], 'arg name');
      const ref = a['valueFrom'] === undefined ? undefined : obj(at(a, 'valueFrom.secretKeyRef'), `arg ${name}`);
      const value = ref !== undefined
        ? secrets()[str(ref['name'], 'secret')]?.[str(ref['key'], 'key')]
        : fromRollout[name] ?? (typeof a['value'] === 'string' ? a['value'] : undefined);
      if (value === undefined) throw new Error(`arg ${name} has no value`);
      args[name] = value;
    }
    const metrics = arr(at(template, 'spec.metrics'), 'metrics');
    expect(metrics).toHaveLength(1);
    const metric = obj(metrics[0], 'metrics[0]');
    const web = obj(at(metric, 'provider.web'), 'provider.web');
    expect(web['method']).toBe('POST');
    const headers = Object.fromEntries(arr(web['headers'], 'headers').map((h) => {
      const header = obj(h, 'header');
      return [str(header['key'], 'header key'), renderRolloutArgs(str(header['value'], 'header value'), args)];
    }));
    const res = await fetch(renderRolloutArgs(str(web['url'], 'url'), args), {
      method: 'POST', headers, body: renderRolloutArgs(str(web['body'], 'body'), args),
    });
    expect(res.status).toBe(200);
    const result = jsonPathLookup(str(web['jsonPath'], 'jsonPath'), (await res.json()) as unknown);
    expect(result).toBe('allow');
    expect(holds(str(metric['successCondition'], 'successCondition'), result)).toBe(true);
    expect(holds(str(metric['failureCondition'], 'failureCondition'), result)).toBe(false);
    expect(holds(str(metric['failureCondition'], 'failureCondition'), 'deny')).toBe(true);
  });

  describe('Flagger', () => {
    const webhook = () => {
      const hooks = arr(at(load('flagger-canary.yaml'), 'spec.analysis.webhooks'), 'webhooks').map((w) => obj(w, 'webhook'));
      const gate = hooks.find((w) => w['name'] === 'tollgate-gate');
      expect(gate?.['type']).toBe('pre-rollout');
      return obj(gate?.['metadata'], 'webhook metadata');
    };

    it("cannot call /v1/gate with its own payload, which is why the canary goes through the load tester", async () => {
      // Flagger's CanaryWebhookPayload (pkg/apis/flagger/v1beta1/canary.go), as it would POST it.
      const payload = { name: 'checkout', namespace: 'checkout', phase: 'Progressing', checksum: '5d8f7c', metadata: { app: 'checkout' } };
      const res = await fetch(`${tg.apiUrl}/v1/gate?format=flagger`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${GATE_TOKEN}` }, body: JSON.stringify(payload),
      });
      expect(res.status).toBe(400);
    });

    // The load tester image ships bash and curl; the suite's global setup makes sure this machine has curl too.
    it("runs the load tester's bash command: exit 0 with the summary on allow, non-zero without a token", async () => {
      const metadata = webhook();
      expect(metadata['type']).toBe('bash');
      const cmd = str(metadata['cmd'], 'cmd');
      expect(cmd).toContain('/v1/gate?format=flagger');
      // The load tester runs `bash -c <cmd>` (pkg/loadtester/bash.go) with its own environment.
      // HOME is an empty directory: bash on a pipe may read ~/.bashrc, which is this machine's, not the image's.
      const env = { HOME: sloDir, TOLLGATE_URL: tg.apiUrl };
      const allowed = await run('bash', ['-c', cmd], { ...env, TOLLGATE_TOKEN: GATE_TOKEN });
      expect(allowed.code, allowed.err).toBe(0);
      expect(allowed.out).toMatch(/^allow: /);
      const refused = await run('bash', ['-c', cmd], { ...env, TOLLGATE_TOKEN: '' });
      expect(refused.code).not.toBe(0);
      expect(refused.err).toMatch(/401/);
    });
  });
});
