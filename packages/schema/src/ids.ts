// Deterministic ids: a SHA-256 over the identifying parts, base64url, 22 characters
// (132 bits). Parts are joined with a separator that cannot occur in them unescaped.
import { hash } from 'node:crypto';

export function stableId(...parts: string[]): string {
  let input = '';
  for (let i = 0; i < parts.length; i++) {
    let p = parts[i]!;
    if (p.includes('\\') || p.includes('\u001f')) p = p.replaceAll('\\', '\\\\').replaceAll('\u001f', '\\u');
    input = i === 0 ? p : `${input}\u001f${p}`;
  }
  return hash('sha256', input, 'base64url').slice(0, 22);
}
