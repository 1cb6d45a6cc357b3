/**
 * @module slo/spec/problem
 * Where something is in an SLO file, and what is wrong there.
 */

/** A spot in a file. `line` and `column` are 1-based, as editors show them. */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

/** One thing wrong with the SLO files, with the spot a user should look at. */
export interface Problem extends SourcePos {
  message: string;
}

/** `checkout.yaml:12:5: unknown field "objectve"`, the shape compilers use, so editors and CI link to the spot. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}

export function formatPos(at: SourcePos): string {
  return `${at.file}:${at.line}:${at.column}`;
}

/** Files first (in name order), then top to bottom, so output reads like the files do. */
export function compareProblems(a: Problem, b: Problem): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}
