import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, commonEnv, env, loadConfig } from './index.ts';

const schema = z.object({ ...commonEnv, TEST_PORT: env.port(8080), TEST_FLAG: env.bool(false) });

describe('loadConfig', () => {
  it('applies local defaults when nothing is set', () => {
    const config = loadConfig(schema, {});
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.TEST_PORT).toBe(8080);
    expect(config.TEST_FLAG).toBe(false);
  });
  it('coerces values and ignores unrelated variables', () => {
    const config = loadConfig(schema, {
      TEST_PORT: '9000',
      TEST_FLAG: 'yes',
      KAFKA_BROKERS: 'a:1, b:2',
      PATH: '/x',
    });
    expect(config).toMatchObject({ TEST_PORT: 9000, TEST_FLAG: true, KAFKA_BROKERS: ['a:1', 'b:2'] });
  });
  it('rejects unknown variables under its own prefix, naming them', () => {
    expect(() => loadConfig(schema, { TEST_PROT: '1' }, { ownPrefixes: ['TEST_'] })).toThrow(/TEST_PROT/);
  });
  it('names the variable in a validation error', () => {
    expect(() => loadConfig(schema, { TEST_PORT: '70000' })).toThrow(ConfigError);
    expect(() => loadConfig(schema, { TEST_PORT: 'x' })).toThrow(/TEST_PORT/);
    expect(() => loadConfig(schema, { SOC_TOPIC_NAMESPACE: 'a b' })).toThrow(/SOC_TOPIC_NAMESPACE/);
  });
});
