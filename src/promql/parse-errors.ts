/**
 * Syntax errors from a lezer-promql tree. The grammar never throws; it inserts error nodes. This
 * turns the first one into the message Prometheus' own parser gives for the same text where the
 * cases are common (unclosed brackets, unterminated strings, unknown functions, stray tokens).
 */
import type { parser } from '@prometheus-io/lezer-promql';
import { parseError, unsupported, type PromqlError } from './errors.js';
import { unquoteWithReason } from './literals.js';
import { UNSUPPORTED_FUNCTIONS } from './signatures.js';

export type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** The first syntax error in the tree, or undefined when there is none. */
export function findSyntaxError(top: SyntaxNode, q: string): PromqlError | undefined {
  let firstError: SyntaxNode | undefined;
  let unterminated: SyntaxNode | undefined;
  top.cursor().iterate((ref) => {
    if (firstError !== undefined) return false;
    if (ref.type.isError) {
      firstError = ref.node;
      return false;
    }
    // The grammar lets a string literal run to the end of the line without its closing quote.
    if (ref.name === 'StringLiteral' && unterminated === undefined) {
      const r = unquoteWithReason(q.slice(ref.from, ref.to));
      if (typeof r !== 'string' && r.problem === 'unterminated quoted string') unterminated = ref.node;
    }
    return true;
  });
  if (unterminated !== undefined) return parseError(q, unterminated.from, 'unterminated quoted string');
  if (firstError === undefined) return undefined;
  // The grammar knows a fixed list of function names; any other name followed by "(" ends up as
  // an identifier next to an error node.
  const prev = firstError.prevSibling;
  if (prev !== null && prev.name === 'Identifier' && q.slice(firstError.from, firstError.to).startsWith('(')) {
    const name = q.slice(prev.from, prev.to);
    if (UNSUPPORTED_FUNCTIONS.has(name)) return unsupported(name);
    return parseError(q, prev.from, `unknown function with name ${JSON.stringify(name)}`);
  }
  if (firstError.from >= q.trimEnd().length) return parseError(q, firstError.from, endOfInputProblem(q));
  return parseError(q, firstError.from, `unexpected ${describeToken(q, firstError.from)}`);
}

/** Names the token at `pos` the way Prometheus' lexer items print (`identifier "y"`, `<op:*>`). */
export function describeToken(q: string, pos: number): string {
  const rest = q.slice(pos).trimStart();
  if (rest === '') return 'end of input';
  const token =
    /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*|\d[\w.]*(?:[eE][+-]?\d+)?|\.\d+|"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`[^`]*`?|==|!=|>=|<=|=~|!~|.)/s.exec(rest);
  const t = (token?.[0] ?? rest[0]) as string;
  if (t.startsWith(':')) return "colon ':'";
  if (/^[a-zA-Z_]/.test(t)) return `identifier ${JSON.stringify(t)}`;
  if (/^[\d.]/.test(t) && t !== '.') return /[a-zA-Z]$/.test(t) && !/^0x/i.test(t) ? `duration ${JSON.stringify(t)}` : `number ${JSON.stringify(t)}`;
  if (/^["'`]/.test(t)) return `string ${JSON.stringify(t)}`;
  if (/^(?:[-+*/%^<>@=]|==|!=|>=|<=|=~|!~)$/.test(t)) return `<op:${t}>`;
  return JSON.stringify(t);
}

/**
 * Prometheus' lexer complains about the innermost bracket left open at the end of the input;
 * brackets inside strings and comments do not count.
 */
function endOfInputProblem(q: string): string {
  const open: string[] = [];
  for (let i = 0; i < q.length; i++) {
    const c = q[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < q.length && q[i] !== c; i++) if (q[i] === '\\' && c !== '`') i++;
    } else if (c === '#') {
      while (i < q.length && q[i] !== '\n') i++;
    } else if (c === '(' || c === '[' || c === '{') {
      open.push(c);
    } else if (c === ')' || c === ']' || c === '}') {
      open.pop();
    }
  }
  switch (open[open.length - 1]) {
    case '(':
      return 'unclosed left parenthesis';
    case '[':
      return 'unclosed left bracket';
    case '{':
      return 'unexpected end of input inside braces';
    default:
      return 'unexpected end of input';
  }
}
