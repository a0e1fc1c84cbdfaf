// Sigma detection conditions: identifiers combined with and / or / not, parentheses,
// and the quantifiers "1 of x*", "all of x*", "1 of them", "all of them". Keywords are
// case-insensitive. The result is a predicate over the named selections.
import { UnsupportedError } from './modifiers.ts';

export type Selections = ReadonlyMap<string, (event: unknown) => boolean>;
export type Condition = (event: unknown) => boolean;

type Token = { kind: 'word' | 'lparen' | 'rparen'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\(|\)|[^\s()]+/g;
  for (const m of text.matchAll(re)) {
    const t = m[0];
    tokens.push({ kind: t === '(' ? 'lparen' : t === ')' ? 'rparen' : 'word', text: t });
  }
  if (tokens.length === 0) throw new UnsupportedError('condition is empty');
  return tokens;
}

export function compileCondition(text: string, selections: Selections): Condition {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (t: Token | undefined, w: string) => t?.kind === 'word' && t.text.toLowerCase() === w;

  function parseOr(): Condition {
    const parts = [parseAnd()];
    while (isWord(peek(), 'or')) {
      pos++;
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0]! : (e) => parts.some((p) => p(e));
  }
  function parseAnd(): Condition {
    const parts = [parseNot()];
    while (isWord(peek(), 'and')) {
      pos++;
      parts.push(parseNot());
    }
    return parts.length === 1 ? parts[0]! : (e) => parts.every((p) => p(e));
  }
  function parseNot(): Condition {
    if (isWord(peek(), 'not')) {
      pos++;
      const inner = parseNot();
      return (e) => !inner(e);
    }
    return parsePrimary();
  }
  function parsePrimary(): Condition {
    const t = tokens[pos++];
    if (!t) throw new UnsupportedError(`condition "${text}" ends early`);
    if (t.kind === 'lparen') {
      const inner = parseOr();
      if (tokens[pos++]?.kind !== 'rparen') throw new UnsupportedError(`condition "${text}": missing ")"`);
      return inner;
    }
    if (t.kind === 'rparen') throw new UnsupportedError(`condition "${text}": unexpected ")"`);
    const word = t.text.toLowerCase();
    if ((word === '1' || word === 'all' || word === 'any') && isWord(peek(), 'of')) {
      pos++;
      const target = tokens[pos++];
      if (target?.kind !== 'word')
        throw new UnsupportedError(`condition "${text}": "of" needs a name pattern or "them"`);
      const names = matchNames(target.text);
      if (names.length === 0)
        throw new UnsupportedError(`condition "${text}": "${target.text}" names no selection`);
      const preds = names.map((n) => selections.get(n)!);
      return word === 'all' ? (e) => preds.every((p) => p(e)) : (e) => preds.some((p) => p(e));
    }
    if (['and', 'or', 'not', 'of'].includes(word))
      throw new UnsupportedError(`condition "${text}": unexpected "${t.text}"`);
    const sel = selections.get(t.text);
    if (!sel) throw new UnsupportedError(`condition "${text}": no selection named "${t.text}"`);
    return sel;
  }
  function matchNames(pattern: string): string[] {
    const all = [...selections.keys()].filter((n) => !n.startsWith('_'));
    if (pattern.toLowerCase() === 'them') return all;
    const re = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replaceAll('*', '.*')
        .replaceAll('?', '.')}$`,
    );
    return all.filter((n) => re.test(n));
  }

  const result = parseOr();
  if (pos !== tokens.length)
    throw new UnsupportedError(`condition "${text}": unexpected "${tokens[pos]!.text}"`);
  return result;
}
