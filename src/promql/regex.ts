/**
 * PromQL regular expressions are Go RE2, fully anchored (`^(?:re)$`). JavaScript's RegExp agrees
 * on the common subset; the differences Grafana users hit are translated here and the rest is
 * refused rather than matched differently.
 */
import { badData } from './errors.js';

const cache = new Map<string, RegExp>();

/** Compiles an anchored matcher regex; throws bad_data with RE2-like wording when it is invalid. */
export function compileAnchored(re: string): RegExp {
  const hit = cache.get(re);
  if (hit !== undefined) return hit;
  const { source, flags } = translate(re);
  let compiled: RegExp;
  try {
    compiled = new RegExp(`^(?:${source})$`, flags);
  } catch (err) {
    throw badData(`error parsing regexp: ${goRegexpProblem(re, (err as Error).message)}`); // RegExp only throws SyntaxError
  }
  if (cache.size > 1000) cache.clear(); // bounded: queries are user input
  cache.set(re, compiled);
  return compiled;
}

function translate(re: string): { source: string; flags: string } {
  let source = re;
  let flags = '';
  // RE2 flag groups at the start, e.g. Grafana's case-insensitive `(?i)foo`.
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead !== null) {
    const f = lead[1] as string;
    // (?m) would turn the anchors Prometheus adds into line anchors in JavaScript.
    if (f.includes('U') || f.includes('m')) throw badData(`unsupported: regexp flags (?${f})`);
    if (f.includes('i')) flags += 'i';
    if (f.includes('s')) flags += 's';
    source = source.slice(lead[0].length);
  }
  if (/\(\?[a-zA-Z]*[imsU][a-zA-Z]*[:)]/.test(source)) throw badData('unsupported: regexp inline flags after the start');
  if (source.includes('\\Q') || source.includes('[[:')) throw badData('unsupported: regexp \\Q…\\E and POSIX classes');
  source = source.replace(/\\A/g, '^').replace(/\\z/g, '$');
  // Go accepts (?P<name>…) for named groups; JavaScript spells it (?<name>…).
  source = source.replace(/\(\?P</g, '(?<');
  return { source, flags };
}

/** Go's regexp/syntax wording for the mistakes people make most; V8's text otherwise. */
function goRegexpProblem(re: string, v8Message: string): string {
  const anchored = `^(?:${re})$`;
  if (v8Message.includes('Unterminated group')) return `missing closing ): \`${anchored}\``;
  if (v8Message.includes("Unmatched ')'")) return `unexpected ): \`${anchored}\``;
  if (v8Message.includes('Unterminated character class')) return `missing closing ]: \`${anchored.slice(anchored.lastIndexOf('['))}\``;
  if (v8Message.includes('Nothing to repeat')) {
    const op = /(?:^|[(|])([*+?]\??|\{\d+(?:,\d*)?\})/.exec(re);
    if (op !== null) return `missing argument to repetition operator: \`${op[1] as string}\``;
  }
  return v8Message.replace(/^Invalid regular expression: /, '');
}
