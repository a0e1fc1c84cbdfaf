// Serves the console page and its assets from services/fanout/public (no CDN).
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';

const PUBLIC = join(import.meta.dirname, '..', 'public');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};
const FILES: Record<string, string> = {
  '/': 'index.html',
  '/console.js': 'console.js',
  '/console.css': 'console.css',
};
const cache = new Map<string, Buffer>();

export function serveStatic(path: string, res: ServerResponse): boolean {
  const file = FILES[path];
  if (!file) return false;
  let body = cache.get(file);
  if (!body) {
    body = readFileSync(join(PUBLIC, file));
    cache.set(file, body);
  }
  res.writeHead(200, {
    'content-type': TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': 'no-cache',
    'content-security-policy': "default-src 'self'; connect-src 'self' ws: wss:",
  });
  res.end(body);
  return true;
}
