// Inserts of rows the caller has already written as text in the insert's format (a
// JSONEachRow or TSKV line per row). The client's own insert() takes row objects and
// stringifies each one again; here the rows go into an InsertBody, a byte buffer they are
// encoded into as they arrive, and insertBody() sends those bytes as the request body.
// The text is written as UTF-8, except that a lone surrogate (which UTF-8 cannot hold, and
// Buffer would turn into U+FFFD) is written as its own three bytes (WTF-8): what
// ClickHouse's JSON reader stores for such a \u escape, so a row holds the same bytes in
// either format. An InsertBody keeps its memory across clear(), so a caller that reuses its
// bodies (one filling while another is sent) allocates nothing per batch once they have grown.
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { quoteIdentifier } from './quote.ts';

/** Input formats of one row per line of text. */
export type TextInsertFormat = 'JSONEachRow' | 'TSKV';

const INITIAL_BYTES = 64 * 1024;

export class InsertBody {
  /** rows appended since the last clear() */
  rows = 0;
  #bytes = Buffer.allocUnsafe(INITIAL_BYTES);
  #length = 0;

  /** Appends one row: `text` is the row in the insert's format, without its line end. */
  append(text: string): void {
    // at most 3 bytes per UTF-16 code unit; + 1 for the line end
    const room = text.length * 3 + 1;
    if (this.#bytes.length - this.#length < room) this.#grow(room);
    if (text.isWellFormed()) this.#length += this.#bytes.write(text, this.#length, 'utf8');
    else this.#writeWtf8(text);
    this.#bytes[this.#length++] = 0x0a;
    this.rows++;
  }

  /** The rows appended so far (a view of the buffer: valid until the next append or clear). */
  bytes(): Buffer {
    return this.#bytes.subarray(0, this.#length);
  }

  get byteLength(): number {
    return this.#length;
  }

  /** Forgets the rows, keeping the memory for the next ones. */
  clear(): void {
    this.rows = 0;
    this.#length = 0;
  }

  #grow(room: number) {
    const bigger = Buffer.allocUnsafe(Math.max(this.#bytes.length * 2, this.#length + room));
    this.#bytes.copy(bigger, 0, 0, this.#length);
    this.#bytes = bigger;
  }

  /** UTF-8 for the well-formed stretches, three bytes for each lone surrogate. */
  #writeWtf8(text: string) {
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0xd800 || c > 0xdfff) continue;
      const next = text.charCodeAt(i + 1);
      if (c < 0xdc00 && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a pair
        continue;
      }
      this.#length += this.#bytes.write(text.slice(from, i), this.#length, 'utf8');
      this.#bytes[this.#length++] = 0xe0 | (c >> 12);
      this.#bytes[this.#length++] = 0x80 | ((c >> 6) & 0x3f);
      this.#bytes[this.#length++] = 0x80 | (c & 0x3f);
      from = i + 1;
    }
    this.#length += this.#bytes.write(text.slice(from), this.#length, 'utf8');
  }
}

/**
 * INSERT INTO `table` FORMAT `format` with `body` as the data, sent as it is. Resolves once
 * the server has accepted the rows, rejects otherwise (as the client's insert() does).
 */
export async function insertBody(
  client: ClickHouseClient,
  table: string,
  format: TextInsertFormat,
  body: Buffer,
): Promise<void> {
  if (body.length === 0) return;
  const result = await client.exec({
    query: `INSERT INTO ${quoteIdentifier(table)} FORMAT ${format}`,
    values: Readable.from([body], { objectMode: false }),
  });
  // an INSERT answers with an empty body: read it so the socket goes back to the pool
  await finished(result.stream.resume());
}
