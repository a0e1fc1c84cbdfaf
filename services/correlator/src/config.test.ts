import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCorrelatorConfig } from './config.ts';

describe('correlator config', () => {
  it('defaults to the repository rule pack', () => {
    const config = loadCorrelatorConfig({});
    expect(existsSync(config.CORRELATOR_RULES_DIR)).toBe(true);
    expect(config.CORRELATOR_GROUP_ID).toBe('soc-correlator');
  });
  it('rejects unknown CORRELATOR_ variables', () => {
    expect(() => loadCorrelatorConfig({ CORRELATOR_RULE_DIR: '/x' })).toThrow(/CORRELATOR_RULE_DIR/);
  });
});
