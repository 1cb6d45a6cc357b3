/**
 * The CI jobs under deploy/ci/, checked without a CI service: both parse; the `tollgate diff`
 * command each runs, with its variables filled in, works against a real in-process Tollgate on a
 * real git repository and writes the Markdown it posts; GitLab's note script creates its note once
 * and updates it on the next push, against a local stand-in for the notes API.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { arr, obj, str } from '../helpers/narrow.js';
import { REPO_ROOT, startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const DIR = path.join(REPO_ROOT, 'deploy/ci');
const github = obj(parseYaml(readFileSync(path.join(DIR, 'github-actions.yaml'), 'utf8')) as unknown, 'github-actions.yaml');
const gitlab = obj(parseYaml(readFileSync(path.join(DIR, 'gitlab-ci.yaml'), 'utf8')) as unknown, 'gitlab-ci.yaml');
const gitlabScript = arr(obj(gitlab['tollgate-diff'], 'tollgate-diff')['script'], 'script').map((s) => str(s, 'script line'));
const githubSteps = arr(obj(obj(github['jobs'], 'jobs')['diff'], 'diff')['steps'], 'steps').map((s) => obj(s, 'step'));

/** The arguments after `npx tollgate diff` in a shell line, with variables filled in (quotes removed, `${X:+…}` expanded). */
function diffArgs(line: string, vars: Record<string, string>): string[] {
  // Continuation lines joined; the command ends at the end of its (joined) line.
  const command = line.replace(/\\\n\s*/g, ' ');
  const from = command.indexOf('npx tollgate diff ');
  expect(from).toBeGreaterThanOrEqual(0);
  let text = command.slice(from + 'npx tollgate diff '.length).split('\n')[0]!;
  text = text.replace(/\$\{(\w+):\+([^}]*)\}/g, (_m, name: string, then: string) => (vars[name] ? then : ''));
  text = text.replace(/\$(\w+)/g, (_m, name: string) => vars[name] ?? '');
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

let tg: InProcessTollgate;
let repo: string;

beforeAll(async () => {
  repo = tempDir('tollgate-ci-repo-');
  mkdirSync(path.join(repo, 'slo-definitions'), { recursive: true });
  const slo = (objective: number) => `apiVersion: tollgate.dev/v1\nkind: SLO\nmetadata: {name: api-availability}\nspec:\n  service: api\n  objective: ${objective}\n  period: 30d\n  sli: {spans: {match: {kind: server}, bad: {status: error}}}\n`;
  writeFileSync(path.join(repo, 'slo-definitions', 'api.yaml'), slo(99));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'base');
  // As the jobs see the target branch after fetching it.
  git('update-ref', 'refs/remotes/origin/main', 'HEAD');
  writeFileSync(path.join(repo, 'slo-definitions', 'api.yaml'), slo(99.9));
  tg = await startInProcess({ TOLLGATE_SLO_DIR: path.join(repo, 'slo-definitions'), TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
}, 120_000);

afterAll(async () => {
  await tg?.cleanup();
  rmSync(repo, { recursive: true, force: true });
});

async function runInRepo(args: string[]): Promise<number> {
  const cwd = process.cwd();
  process.chdir(repo);
  try {
    return await runCli(['diff', ...args], { out: () => undefined, err: () => undefined });
  } finally {
    process.chdir(cwd);
  }
}

describe('the CI jobs', () => {
  it.each<[string, string, Record<string, string>]>([
    ['GitHub Actions', str(githubSteps.find((s) => s['id'] === 'diff')?.['run'], 'diff step'), { BASE_REF: 'main' }],
    ['GitLab CI', gitlabScript.find((l) => l.includes('npx tollgate diff'))!, { CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main' }],
  ])('%s: the diff command writes the Markdown it posts, and fails on a condition it is told to', async (_name, line, vars) => {
    const out = path.join(repo, 'tollgate-diff.md');
    expect(await runInRepo(diffArgs(line, { ...vars, TOLLGATE_URL: tg.apiUrl, TOLLGATE_FAIL_ON: '' }))).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^### Tollgate diff: `origin\/main` → `working tree`\n/);
    expect(readFileSync(out, 'utf8')).toContain('| `api-availability` | objective 99% → 99.9% |');
    expect(await runInRepo(diffArgs(line, { ...vars, TOLLGATE_URL: tg.apiUrl, TOLLGATE_FAIL_ON: 'invalid,new-pages' }))).toBe(0);
    const broken = path.join(repo, 'slo-definitions', 'broken.yaml');
    writeFileSync(broken, 'apiVersion: tollgate.dev/v1\nkind: SLO\n');
    try {
      expect(await runInRepo(diffArgs(line, { ...vars, TOLLGATE_URL: tg.apiUrl, TOLLGATE_FAIL_ON: 'invalid,new-pages' }))).toBe(1);
    } finally {
      rmSync(broken);
      rmSync(out);
    }
  });

  it('GitHub Actions: comments first, then fails the check with the diff\'s exit code', () => {
    const names = githubSteps.map((s) => String(s['name'] ?? s['uses']));
    expect(names.indexOf('Comment on the pull request')).toBeLessThan(names.indexOf('Fail when a --fail-on condition holds'));
    expect(obj(github['permissions'], 'permissions')).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it('GitLab CI: creates one note, then updates it on the next push', async () => {
    const requests: Array<{ method: string; url: string; body: string; token: string | undefined }> = [];
    const notes: Array<{ id: number; body: string }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        requests.push({ method: req.method!, url: req.url!, body, token: req.headers['private-token'] as string | undefined });
        res.setHeader('content-type', 'application/json');
        if (req.method === 'GET') return res.end(JSON.stringify(notes));
        if (req.method === 'POST') notes.push({ id: 7, body: (JSON.parse(body) as { body: string }).body });
        if (req.method === 'PUT') notes[0]!.body = (JSON.parse(body) as { body: string }).body;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const script = gitlabScript.find((l) => l.includes('node --input-type=module'))!;
    const code = /-e '([\s\S]*)'\s*$/.exec(script)![1]!;
    const work = tempDir('tollgate-ci-note-');
    // Not spawnSync: the stand-in API answers from this process's event loop.
    const post = async (text: string): Promise<number> => {
      writeFileSync(path.join(work, 'tollgate-diff.md'), text);
      const r = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
        cwd: work, encoding: 'utf8', timeout: 30_000, env: {
          PATH: process.env['PATH'] ?? '', CI_API_V4_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v4`,
          CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: '5', TOLLGATE_GITLAB_TOKEN: 'glpat-test',
        },
      }).then(() => 0, (e: { code?: number }) => e.code ?? 1);
      return r;
    };
    try {
      expect(await post('### first\n')).toBe(0);
      expect(await post('### second\n')).toBe(0);
    } finally {
      server.close();
      rmSync(work, { recursive: true, force: true });
    }
    expect(requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'GET /api/v4/projects/42/merge_requests/5/notes', 'POST /api/v4/projects/42/merge_requests/5/notes',
      'GET /api/v4/projects/42/merge_requests/5/notes', 'PUT /api/v4/projects/42/merge_requests/5/notes/7',
    ]);
    expect(requests.every((r) => r.token === 'glpat-test')).toBe(true);
    expect(notes).toEqual([{ id: 7, body: '<!-- tollgate-diff -->\n### second\n' }]);
  });
});
