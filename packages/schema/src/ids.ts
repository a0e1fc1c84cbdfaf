// Deterministic ids: a SHA-256 over the identifying parts, base64url, 22 characters
// (132 bits). Parts are joined with a separator that cannot occur in them unescaped.
import { hash } from 'node:crypto';

export function stableId(...parts: string[]): string {
  const input = parts.map((p) => p.replaceAll('\\', '\\\\').replaceAll('\u001f', '\\u')).join('\u001f');
  return hash('sha256', input, 'base64url').slice(0, 22);
}
