/**
 * PromQL regular expressions are Go's RE2, fully anchored (`^(?:re)$`). They run on re2js, a port
 * of RE2 to JavaScript: linear time in the input whatever the pattern, and RE2's syntax and error
 * texts, so answers and errors are Prometheus' own. JavaScript's backtracking RegExp must never see
 * a user's pattern: `(.*)*X` against a long label value takes time doubling per character and
 * would freeze the process (ingest, /healthz, the gate) on its one event loop.
 */
import { RE2JS } from 're2js';
import { badData } from './errors.js';

/**
 * Longest pattern accepted. Compiling is linear in the pattern but not free (re2js: ~100 ms for a
 * 70 KB alternation); 32 KiB still holds a Grafana multi-value variable of ~2,000 values.
 */
export const MAX_REGEX_BYTES = 32 * 1024;

/** A successful whole-string match: groups by number (0 is the whole value) or by name. */
export interface RegexMatch {
  group(index: number): string | undefined;
  named(name: string): string | undefined;
}

export interface AnchoredRegex {
  /** Whether the whole value matches. */
  test(value: string): boolean;
  /** The groups of a whole-value match, or null. */
  match(value: string): RegexMatch | null;
}

const cache = new Map<string, AnchoredRegex>();

/** Compiles an anchored matcher regex; throws bad_data with Go's wording when it is invalid. */
export function compileAnchored(re: string): AnchoredRegex {
  const hit = cache.get(re);
  if (hit !== undefined) return hit;
  if (Buffer.byteLength(re, 'utf8') > MAX_REGEX_BYTES) {
    throw badData(`error parsing regexp: expression too large: longer than ${MAX_REGEX_BYTES} bytes`);
  }
  let pattern: RE2JS;
  try {
    pattern = RE2JS.compile(`^(?:${re})$`);
  } catch (err) {
    // RE2JSSyntaxException's message is Go's: "error parsing regexp: missing closing ): `^(?:(a)$`".
    throw badData(err instanceof Error ? err.message : String(err));
  }
  const named = pattern.namedGroups() as Record<string, number>;
  const compiled: AnchoredRegex = {
    test: (value) => pattern.matches(value),
    match(value) {
      const m = pattern.matcher(value);
      if (!m.matches()) return null;
      const group = (index: number): string | undefined => {
        if (index < 0 || index > pattern.groupCount()) return undefined;
        return m.group(index) ?? undefined;
      };
      return { group, named: (name) => (Object.hasOwn(named, name) ? group(named[name] as number) : undefined) };
    },
  };
  if (cache.size > 1000) cache.clear(); // bounded: queries are user input
  cache.set(re, compiled);
  return compiled;
}
