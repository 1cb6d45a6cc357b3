/**
 * `mermaid.parse()` in Node, to check the diagram text the API sends. Parsing needs no DOM, but
 * mermaid passes every label through DOMPurify, and DOMPurify without a `window` is an empty shell
 * (`isSupported: false`, no `addHook`, no `sanitize`): parsing a labelled flowchart then throws
 * "DOMPurify.addHook is not a function". The shim below gives DOMPurify the two functions as
 * no-ops: the grammar is what is checked here; sanitizing is the browser's job at render time.
 */
import DOMPurify from 'dompurify';

const purify = DOMPurify as unknown as Record<string, unknown>;
if (typeof purify['sanitize'] !== 'function') {
  purify['addHook'] = () => undefined;
  purify['sanitize'] = (text: unknown) => String(text);
}
const { default: mermaid } = await import('mermaid');

/** The diagram type mermaid recognized; throws mermaid's parse error for invalid text. */
export async function parseMermaid(text: string): Promise<string> {
  // Without `suppressErrors`, parse throws on invalid text rather than answering false.
  return (await mermaid.parse(text)).diagramType;
}
