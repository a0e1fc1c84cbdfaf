// Sigma detection conditions: identifiers combined with and / or / not, parentheses,
// and the quantifiers "1 of x*", "all of x*", "1 of them", "all of them". Keywords are
// case-insensitive. The text parses to a small tree over the selection names, which
// compiles to a predicate (and is folded other ways: what an event must carry to match).
import { UnsupportedError } from './modifiers.ts';

export type Selections = ReadonlyMap<string, (event: unknown) => boolean>;
export type Condition = (event: unknown) => boolean;

export type ConditionNode =
  | { op: 'and' | 'or'; parts: ConditionNode[] }
  | { op: 'not'; inner: ConditionNode }
  | { op: 'ref'; name: string };

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

/** Parses a condition over the given selection names; throws UnsupportedError with the reason. */
export function parseCondition(text: string, names: readonly string[]): ConditionNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (t: Token | undefined, w: string) => t?.kind === 'word' && t.text.toLowerCase() === w;
  const known = new Set(names);

  function parseOr(): ConditionNode {
    const parts = [parseAnd()];
    while (isWord(peek(), 'or')) {
      pos++;
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0]! : { op: 'or', parts };
  }
  function parseAnd(): ConditionNode {
    const parts = [parseNot()];
    while (isWord(peek(), 'and')) {
      pos++;
      parts.push(parseNot());
    }
    return parts.length === 1 ? parts[0]! : { op: 'and', parts };
  }
  function parseNot(): ConditionNode {
    if (isWord(peek(), 'not')) {
      pos++;
      return { op: 'not', inner: parseNot() };
    }
    return parsePrimary();
  }
  function parsePrimary(): ConditionNode {
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
      const matched = matchNames(target.text);
      if (matched.length === 0)
        throw new UnsupportedError(`condition "${text}": "${target.text}" names no selection`);
      return { op: word === 'all' ? 'and' : 'or', parts: matched.map((name) => ({ op: 'ref', name })) };
    }
    if (['and', 'or', 'not', 'of'].includes(word))
      throw new UnsupportedError(`condition "${text}": unexpected "${t.text}"`);
    if (!known.has(t.text)) throw new UnsupportedError(`condition "${text}": no selection named "${t.text}"`);
    return { op: 'ref', name: t.text };
  }
  function matchNames(pattern: string): string[] {
    const all = names.filter((n) => !n.startsWith('_'));
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

/** Folds a condition tree bottom-up. */
export function foldCondition<T>(
  node: ConditionNode,
  f: { and(parts: T[]): T; or(parts: T[]): T; not(inner: T): T; ref(name: string): T },
): T {
  switch (node.op) {
    case 'and':
      return f.and(node.parts.map((p) => foldCondition(p, f)));
    case 'or':
      return f.or(node.parts.map((p) => foldCondition(p, f)));
    case 'not':
      return f.not(foldCondition(node.inner, f));
    default:
      return f.ref(node.name);
  }
}

/** All of the predicates, in order, stopping at the first that fails. */
export function allOf(parts: Condition[]): Condition {
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 2) {
    const [a, b] = parts as [Condition, Condition];
    return (e) => a(e) && b(e);
  }
  return (e) => {
    for (const p of parts) if (!p(e)) return false;
    return true;
  };
}

/** Any of the predicates, in order, stopping at the first that holds. */
export function anyOf(parts: Condition[]): Condition {
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 2) {
    const [a, b] = parts as [Condition, Condition];
    return (e) => a(e) || b(e);
  }
  return (e) => {
    for (const p of parts) if (p(e)) return true;
    return false;
  };
}

export function compileCondition(text: string, selections: Selections): Condition {
  return foldCondition<Condition>(parseCondition(text, [...selections.keys()]), {
    and: allOf,
    or: anyOf,
    not: (inner) => (e) => !inner(e),
    ref: (name) => selections.get(name)!,
  });
}
