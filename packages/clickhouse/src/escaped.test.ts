import { describe, expect, it } from 'vitest';
import { escapedArray, escapedString } from './escaped.ts';

describe('escaped values (TabSeparated, TSKV)', () => {
  it('escape backslash, tab and line feed in a String, and nothing else', () => {
    expect(escapedString('plain')).toBe('plain');
    expect(escapedString('a\tb\nc\\d')).toBe('a\\tb\\nc\\\\d');
    expect(escapedString(`{"q":"it's","r":"\\u0000\r"}`)).toBe(`{"q":"it's","r":"\\\\u0000\r"}`);
    expect(escapedString('')).toBe('');
  });
  it('write an Array(String) as single-quoted literals', () => {
    expect(escapedArray([])).toBe('[]');
    expect(escapedArray(['network'])).toBe("['network']");
    expect(escapedArray(["it's", 'a\tb', 'c\\'])).toBe("['it\\'s','a\\tb','c\\\\']");
  });
});
