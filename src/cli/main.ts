/**
 * @module cli
 * `npx tollgate <command>`: thin commands over the modules; each returns its exit code.
 */
import { parseArgs } from 'node:util';
import { hashToken } from '../auth/index.js';
import { fullSchemaStatements, type SchemaForm } from '../store/index.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `usage: tollgate <command>
  validate [dir]                           check SLO and gate-policy files (default ./slo-definitions)
  schema [--cluster NAME] [--database DB]  print the ClickHouse DDL (single-node, or the cluster form)
  hash-token <token>                       print the sha256 to put in TOLLGATE_TOKENS_FILE
  gate --url URL --app APP --environment ENV --service SVC --config-hash HASH [--wait]
                                           ask the release gate (Argo CD PreSync): exit 0 allow, 1 deny
  diff --base REF|DIR [--head DIR] [--url URL] [--format text|markdown|json] [--fail-on CONDITIONS]
                                           backtest a change to the SLO files on stored data`;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'schema':
      return schemaCommand(rest, io);
    case 'hash-token': {
      const token = rest[0];
      if (token === undefined || rest.length > 1) {
        io.err('usage: tollgate hash-token <token>');
        return 2;
      }
      io.out(hashToken(token));
      return 0;
    }
    case 'gate': {
      const { gateCommand } = await import('./gate-command.js');
      return gateCommand(rest, { out: io.out, err: io.err, env: process.env });
    }
    case 'diff': {
      const { diffCommand } = await import('./diff-command.js');
      return diffCommand(rest, { out: io.out, err: io.err, env: process.env });
    }
    case 'validate': {
      const { runValidate } = await import('../slo/spec/index.js');
      return runValidate(rest[0] ?? 'slo-definitions', io.out);
    }
    case undefined:
    case 'help':
    case '--help':
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.err(`tollgate: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

function schemaCommand(args: readonly string[], io: CliIo): number {
  let values: { cluster?: string; database?: string };
  try {
    ({ values } = parseArgs({ args: [...args], options: { cluster: { type: 'string' }, database: { type: 'string' } }, strict: true }));
  } catch (e) {
    io.err(`tollgate schema: ${(e as Error).message}`);
    return 2;
  }
  const form: SchemaForm = values.cluster === undefined ? { kind: 'single' } : { kind: 'cluster', cluster: values.cluster };
  try {
    for (const sql of fullSchemaStatements(values.database ?? 'default', form)) io.out(`${sql};\n`);
  } catch (e) {
    io.err(`tollgate schema: ${(e as Error).message}`);
    return 2;
  }
  return 0;
}
