/**
 * The real parts the suite runs against, found or installed before any test file starts (vitest
 * `globalSetup`), so that `npm test` passes on a fresh Debian machine and no suite skips because a
 * program is missing:
 * - Prometheus and promtool (the PromQL oracle), Alertmanager (alerts out), Chromium (the web UI),
 *   curl (the Flagger load tester's command) and mkfifo (a FIFO in the SLO directory) come from
 *   Debian's packages. None of them ships on npm.
 * - As root with apt-get (CI, a fresh container), missing packages are installed here.
 * - Otherwise the run stops with one line per missing part saying how to install it; nothing is skipped.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export interface RealPart {
  /** The program the tests run. */
  binary: string;
  /** The Debian package that installs it. */
  debianPackage: string;
  /** Which tests need it, for the error line. */
  usedBy: string;
}

export const REAL_PARTS: readonly RealPart[] = [
  { binary: 'prometheus', debianPackage: 'prometheus', usedBy: 'the PromQL oracle (test/promql/oracle.test.ts)' },
  { binary: 'promtool', debianPackage: 'prometheus', usedBy: 'the PromQL oracle (test/promql/oracle.test.ts)' },
  { binary: 'prometheus-alertmanager', debianPackage: 'prometheus-alertmanager', usedBy: 'the alert tests (test/alerts, test/engine)' },
  { binary: 'chromium', debianPackage: 'chromium', usedBy: 'the web UI tests (test/ui)' },
  { binary: 'curl', debianPackage: 'curl', usedBy: "the Flagger load tester's command (test/deploy/argocd.test.ts)" },
  { binary: 'mkfifo', debianPackage: 'coreutils', usedBy: 'the SLO directory limits (test/slo/spec/directory-limits.test.ts)' },
];

/** Where the tests look for a program: PATH, then Debian's own directories (sbin is not on every user's PATH). */
export function findBinary(binary: string, pathVariable: string | undefined = process.env['PATH']): string | undefined {
  const dirs = [...(pathVariable ?? '').split(path.delimiter).filter((d) => d !== ''), '/usr/bin', '/usr/sbin', '/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The program's path; the error names the package when it is missing (for helpers that run it). */
export function requireBinary(binary: string): string {
  const found = findBinary(binary);
  if (found !== undefined) return found;
  const part = REAL_PARTS.find((p) => p.binary === binary);
  throw new Error(`${binary} is not installed: ${installHint(part === undefined ? [binary] : [part.debianPackage])}`);
}

const installHint = (packages: readonly string[]): string =>
  `install it with \`sudo apt-get install -y --no-install-recommends ${[...new Set(packages)].join(' ')}\` (npm test does this itself when run as root)`;

function missingParts(): RealPart[] {
  return REAL_PARTS.filter((p) => findBinary(p.binary) === undefined);
}

function canInstall(): boolean {
  return process.getuid?.() === 0 && findBinary('apt-get') !== undefined;
}

function install(packages: readonly string[]): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  process.stderr.write(`real parts: installing ${packages.join(', ')} from Debian's packages (apt-get, as root)\n`);
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...packages]]) {
    const r = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`apt-get ${args[0]} failed (exit ${r.status ?? r.signal}); ${installHint(packages)}`);
  }
}

export default function setup(): void {
  let missing = missingParts();
  if (missing.length > 0 && canInstall()) {
    install([...new Set(missing.map((p) => p.debianPackage))]);
    missing = missingParts();
  }
  if (missing.length > 0) {
    throw new Error(
      missing.map((p) => `${p.binary} is missing, needed by ${p.usedBy}: ${installHint([p.debianPackage])}`).join('\n'),
    );
  }
}
