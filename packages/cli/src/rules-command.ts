// soc rules lint <dir>           load every rule, list the ones set aside (file:line: reason)
// soc rules test --rules <dir> [events.ndjson]
//   with an events file: run the events through the engine in event time, alerts as NDJSON
//   without: run every behaviour test (<rule>.test.yaml) under <dir> and report
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Engine, loadRuleDir, runBehaviourFile } from '@soc/rules';
import { type EcsEvent, validateEvent } from '@soc/schema';

export function lintCommand(dir: string): number {
  const set = loadRuleDir(dir);
  for (const e of set.errors) process.stderr.write(`${e.file}:${e.line}: ${e.message}\n`);
  process.stdout.write(
    `${set.detections.length} detection and ${set.correlations.length} correlation rule(s) loaded, ${set.errors.length} set aside\n`,
  );
  return set.errors.length > 0 ? 1 : 0;
}

export async function testCommand(
  dir: string,
  eventsFile: string | undefined,
  latenessMs = 0,
): Promise<number> {
  return eventsFile ? runEventsFile(dir, eventsFile, latenessMs) : runBehaviourTests(dir);
}

async function runEventsFile(dir: string, eventsFile: string, latenessMs: number): Promise<number> {
  const set = loadRuleDir(dir);
  for (const e of set.errors) process.stderr.write(`${e.file}:${e.line}: ${e.message}\n`);
  const engine = new Engine(set, { clock: (ms) => new Date(ms), allowedLatenessMs: latenessMs });
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
    const out = engine.process(valid.event as EcsEvent);
    for (const alert of out.alerts) process.stdout.write(`${JSON.stringify(alert)}\n`);
    if (out.late.length > 0)
      process.stderr.write(`line ${lineNo}: late: older than the allowed lateness, not counted\n`);
  }
  for (const alert of engine.flush()) process.stdout.write(`${JSON.stringify(alert)}\n`);
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
    let results: ReturnType<typeof runBehaviourFile>;
    try {
      results = runBehaviourFile(path);
    } catch (err) {
      failed++;
      process.stdout.write(`FAIL  ${path}\n      ${(err as Error).message}\n`);
      continue;
    }
    for (const r of results) {
      if (r.problems.length === 0) {
        passed++;
        process.stdout.write(`ok    ${path} › ${r.name}\n`);
      } else {
        failed++;
        process.stdout.write(`FAIL  ${path} › ${r.name}\n${r.problems.map((p) => `      ${p}\n`).join('')}`);
      }
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}
