import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadIngestConfig } from './config.ts';

describe('ingest config', () => {
  it('runs on local defaults', () => {
    const c = loadIngestConfig({});
    expect(c).toMatchObject({
      INGEST_PORT: 8080,
      INGEST_SYSLOG_UDP_PORT: 5514,
      INGEST_SYSLOG_TLS_PORT: 0,
      SOC_TOPIC_NAMESPACE: 'soc',
    });
    expect(existsSync(c.INGEST_SENSORS_FILE)).toBe(true);
    expect(existsSync(c.INGEST_ZONES_FILE)).toBe(true);
  });
  it('rejects typos and bad values, naming the variable', () => {
    expect(() => loadIngestConfig({ INGEST_PROT: '1' })).toThrow(/INGEST_PROT/);
    expect(() => loadIngestConfig({ INGEST_MAX_LINE_BYTES: '10' })).toThrow(/INGEST_MAX_LINE_BYTES/);
    expect(() => loadIngestConfig({ INGEST_SYSLOG_TLS_PORT: '6514' })).toThrow(/INGEST_SYSLOG_TLS_CERT_FILE/);
  });
});
