// Runs every rule's behaviour test (rules/**/*.test.yaml) on the real engine, and checks
// that the whole starter pack loads without errors.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBehaviourFile } from './behaviour.ts';
import { loadRuleDir } from './loader.ts';

const RULES_DIR = join(import.meta.dirname, '..', '..', '..', 'rules');

function find(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? find(p, suffix) : e.endsWith(suffix) ? [p] : [];
  });
}

describe('rule pack', () => {
  it('loads without errors', () => {
    const set = loadRuleDir(RULES_DIR);
    expect(set.errors).toEqual([]);
    expect(set.correlations.length).toBeGreaterThan(0);
  });
  const tests = find(RULES_DIR, '.test.yaml');
  it('has a behaviour test per rule file', () => {
    const ruleFiles = find(RULES_DIR, '.yml');
    for (const f of ruleFiles) expect(tests).toContain(f.replace(/\.yml$/, '.test.yaml'));
  });
  for (const path of tests) {
    describe(relative(RULES_DIR, path), () => {
      for (const result of runBehaviourFile(path)) {
        it(result.name, () => {
          expect(result.problems).toEqual([]);
        });
      }
    });
  }
});
