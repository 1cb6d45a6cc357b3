/**
 * @module ui/assets
 * The files the web UI needs, served by Tollgate itself (clusters without internet have no CDN):
 * the UI's own scripts and styles from `src/ui/static/`, and three vendor files from node_modules.
 * Both are allow-lists built once: a request names a key of a map, never a path on disk, so no
 * request can reach any other file. Each file is read on first use and kept with its gzip form and
 * an ETag (mermaid.min.js is 3.4 MiB, ~0.9 MiB gzipped).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface Asset {
  body: Buffer;
  gzipped: Buffer;
  contentType: string;
  etag: string;
}

export interface AssetSource {
  /** The file behind a public name, or undefined when the name is not on the list. */
  get(name: string): Asset | undefined;
  names(): string[];
}

/** Vendor files by public name → module specifier (resolved through node's resolution, so hoisting does not matter). */
export const VENDOR_FILES: Readonly<Record<string, string>> = {
  'uPlot.esm.js': 'uplot/dist/uPlot.esm.js',
  'uPlot.min.css': 'uplot/dist/uPlot.min.css',
  'mermaid.min.js': 'mermaid/dist/mermaid.min.js',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

/** The UI's own files: every .js, .css and .svg under `dir`, by their path relative to it (`pages/trace.js`). */
export function staticAssets(dir: string = STATIC_DIR): AssetSource {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || CONTENT_TYPES[path.extname(entry.name)] === undefined) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, full).split(path.sep).join('/'), full);
  }
  return cachedSource(files);
}

export function vendorAssets(): AssetSource {
  const require = createRequire(import.meta.url);
  return cachedSource(new Map(Object.entries(VENDOR_FILES).map(([name, specifier]) => [name, require.resolve(specifier)])));
}

function cachedSource(files: ReadonlyMap<string, string>): AssetSource {
  const loaded = new Map<string, Asset>();
  return {
    get(name) {
      const file = files.get(name);
      if (file === undefined) return undefined;
      let asset = loaded.get(name);
      if (asset === undefined) {
        const body = readFileSync(file);
        asset = {
          body,
          gzipped: gzipSync(body),
          contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        };
        loaded.set(name, asset);
      }
      return asset;
    },
    names: () => [...files.keys()],
  };
}
