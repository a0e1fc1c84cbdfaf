import { describe, expect, it } from 'vitest';
import { loadIngestConfig } from './config.ts';

describe('ingest config', () => {
  it('runs on local defaults', () => {
    expect(loadIngestConfig({})).toMatchObject({
      INGEST_PORT: 8080,
      INGEST_TENANT: 'demo',
      SOC_TOPIC_NAMESPACE: 'soc',
    });
  });
  it('rejects typos and bad values, naming the variable', () => {
    expect(() => loadIngestConfig({ INGEST_PROT: '1' })).toThrow(/INGEST_PROT/);
    expect(() => loadIngestConfig({ INGEST_TENANT: 'a b' })).toThrow(/INGEST_TENANT/);
    expect(() => loadIngestConfig({ INGEST_MAX_LINE_BYTES: '10' })).toThrow(/INGEST_MAX_LINE_BYTES/);
  });
});
