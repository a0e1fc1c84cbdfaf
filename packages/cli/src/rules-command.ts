// soc rules lint <dir>           load every rule, list the ones set aside (file:line: reason)
// soc rules test --rules <dir> [events.ndjson]
//   with an events file: run the events through the engine in event time, alerts as NDJSON
//   without: run every behaviour test (<rule>.test.yaml) under <dir> and report
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { checkAlerts, Engine, loadBehaviourFile, loadRuleDir, runEvents } from '@soc/rules';
import { type EcsEvent, validateEvent } from '@soc/schema';

export function lintCommand(dir: string): number {
  const set = loadRuleDir(dir);
  for (const e of set.errors) process.stderr.write(`${e.file}:${e.line}: ${e.message}\n`);
  process.stdout.write(
    `${set.detections.length} detection and ${set.correlations.length} correlation rule(s) loaded, ${set.errors.length} set aside\n`,
  );
  return set.errors.length > 0 ? 1 : 0;
}

export async function testCommand(dir: string, eventsFile: string | undefined): Promise<number> {
  return eventsFile ? runEventsFile(dir, eventsFile) : runBehaviourTests(dir);
}

async function runEventsFile(dir: string, eventsFile: string): Promise<number> {
  const set = loadRuleDir(dir);
  for (const e of set.errors) process.stderr.write(`${e.file}:${e.line}: ${e.message}\n`);
  const engine = new Engine(set, { clock: (ms) => new Date(ms) });
  const input = eventsFile === '-' ? process.stdin : createReadStream(eventsFile);
  let lineNo = 0;
  let bad = 0;
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNo++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      bad++;
      process.stderr.write(`line ${lineNo}: invalid JSON: ${(err as Error).message}\n`);
      continue;
    }
    const valid = validateEvent(value);
    if (!valid.ok) {
      bad++;
      process.stderr.write(`line ${lineNo}: ${valid.reason}\n`);
      continue;
    }
    for (const alert of engine.process(valid.event as EcsEvent))
      process.stdout.write(`${JSON.stringify(alert)}\n`);
  }
  return bad > 0 ? 1 : 0;
}

function findTests(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((e) => {
      const p = join(dir, e);
      return statSync(p).isDirectory() ? findTests(p) : /\.test\.ya?ml$/.test(e) ? [p] : [];
    });
}

function runBehaviourTests(dir: string): number {
  let failed = 0;
  let passed = 0;
  for (const path of findTests(dir)) {
    const { rulesPath, cases } = loadBehaviourFile(path);
    const text = readFileSync(rulesPath, 'utf8');
    const names = new Map<string, string>();
    for (const c of loadRuleDir(join(rulesPath, '..')).correlations) names.set(c.id, c.name ?? c.id);
    for (const c of cases) {
      const { alerts, errors } = runEvents(text, c.events, rulesPath);
      const problems = [...errors, ...checkAlerts(alerts, c.expect, names)];
      if (problems.length === 0) {
        passed++;
        process.stdout.write(`ok    ${path} › ${c.name}\n`);
      } else {
        failed++;
        process.stdout.write(`FAIL  ${path} › ${c.name}\n${problems.map((p) => `      ${p}\n`).join('')}`);
      }
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}
