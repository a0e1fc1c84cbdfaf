// Syslog over a stream (TCP, TLS): RFC 6587 framing, both methods, detected per frame.
//  - octet counting:  MSG-LEN SP SYSLOG-MSG   (MSG-LEN: a decimal without leading zero)
//  - non-transparent: SYSLOG-MSG LF           (CR LF and a trailing NUL are tolerated)
// A frame that starts with a digit run and a space is octet-counted (a syslog message
// itself starts with "<PRI>", never with a digit); anything else runs to the next LF.
// Frames over the size limit are cut: the decoder reports them as oversized and skips to
// the frame's end, so one bad frame never desynchronises the stream.
export interface Frame {
  /** the message bytes (truncated to the limit when oversized) */
  data: Buffer;
  oversized: boolean;
}

const LF = 0x0a;
const SP = 0x20;

export class SyslogFrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  /** bytes still to skip from an oversized octet-counted frame */
  private skip = 0;
  /** when skipping an oversized LF-framed message: drop bytes until the next LF */
  private skipToLf = false;
  private readonly maxFrameBytes: number;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Feeds received bytes; returns the complete frames in them. */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let buf = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length - pos);
        this.skip -= n;
        pos += n;
        if (this.skip > 0) break;
        continue;
      }
      if (this.skipToLf) {
        const lf = buf.indexOf(LF, pos);
        if (lf < 0) {
          pos = buf.length;
          break;
        }
        this.skipToLf = false;
        pos = lf + 1;
        continue;
      }
      if (pos >= buf.length) break;
      const counted = this.octetCount(buf, pos);
      if (counted === 'incomplete') break;
      if (counted) {
        const { length, start } = counted;
        if (length > this.maxFrameBytes) {
          frames.push({
            data: Buffer.from(buf.subarray(start, Math.min(buf.length, start + this.maxFrameBytes))),
            oversized: true,
          });
          const available = buf.length - start;
          if (available >= length) pos = start + length;
          else {
            this.skip = length - available;
            pos = buf.length;
          }
          continue;
        }
        if (buf.length - start < length) break;
        frames.push({ data: Buffer.from(buf.subarray(start, start + length)), oversized: false });
        pos = start + length;
        continue;
      }
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) {
        if (buf.length - pos > this.maxFrameBytes) {
          frames.push({ data: Buffer.from(buf.subarray(pos, pos + this.maxFrameBytes)), oversized: true });
          this.skipToLf = true;
          pos = buf.length;
        }
        break;
      }
      let end = lf;
      if (end > pos && buf[end - 1] === 0x0d) end--;
      if (end > pos && buf[end - 1] === 0x00) end--;
      if (end - pos > this.maxFrameBytes) {
        frames.push({ data: Buffer.from(buf.subarray(pos, pos + this.maxFrameBytes)), oversized: true });
      } else if (end > pos) {
        frames.push({ data: Buffer.from(buf.subarray(pos, end)), oversized: false });
      }
      pos = lf + 1;
    }
    buf = buf.subarray(pos);
    this.buffer = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
    return frames;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get pending(): number {
    return this.buffer.length;
  }

  /** At end of stream: whatever is left is one last (LF-less) frame. */
  end(): Frame[] {
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    if (rest.length === 0 || this.skip > 0 || this.skipToLf) return [];
    return [{ data: rest.subarray(0, this.maxFrameBytes), oversized: rest.length > this.maxFrameBytes }];
  }

  /** "123 " at pos → the length and where the message starts; null when not octet counting. */
  private octetCount(buf: Buffer, pos: number): { length: number; start: number } | null | 'incomplete' {
    const first = buf[pos]!;
    if (first < 0x31 || first > 0x39) return null; // 1-9: no leading zero
    let i = pos;
    let length = 0;
    while (i < buf.length && i - pos < 10) {
      const c = buf[i]!;
      if (c === SP) return i > pos ? { length, start: i + 1 } : null;
      if (c < 0x30 || c > 0x39) return null;
      length = length * 10 + (c - 0x30);
      i++;
    }
    return i - pos >= 10 ? null : 'incomplete';
  }
}
