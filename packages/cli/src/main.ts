// The `soc` command (./bin/soc): detection engineering and log tooling on the same
// packages the services run. Command-line parsing by commander.

import { hashToken, newToken } from '@soc/ingest';
import { formatNames } from '@soc/parsers';
import { Command } from 'commander';
import { parseCommand } from './parse-command.ts';
import { lintCommand, testCommand } from './rules-command.ts';

const program = new Command('soc').description('SOC event-stream processor tools').showHelpAfterError();

program
  .command('parse')
  .description('parse log lines into NDJSON ECS events (stdout); rejected lines with line numbers on stderr')
  .requiredOption('-f, --format <name>', `log format: ${formatNames().join(', ')}`)
  .option('-t, --tenant <id>', 'organization.id for the events', 'cli')
  .option('--no-original', 'do not keep the raw line in event.original')
  .argument('[file]', 'file to read; stdin when absent or "-"')
  .action(async (file: string | undefined, opts: { format: string; tenant: string; original: boolean }) => {
    process.exitCode = await parseCommand(file, opts);
  });

program
  .command('formats')
  .description('list the log formats')
  .action(() => {
    process.stdout.write(`${formatNames().join('\n')}\n`);
  });

const token = program.command('token').description('sensor and analyst tokens');
token
  .command('new')
  .description('print a new random token and the SHA-256 digest to put in the sensors file')
  .action(() => {
    const t = newToken();
    process.stdout.write(`token:        ${t.token}\ntoken_sha256: ${t.sha256}\n`);
  });
token
  .command('hash')
  .description('print the SHA-256 digest of a token read from stdin')
  .action(async () => {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    process.stdout.write(`${hashToken(text.trim())}\n`);
  });

const rules = program.command('rules').description('detection rules as code');
rules
  .command('lint')
  .description('load every rule under <dir>; list the ones set aside with file, line and reason')
  .argument('<dir>')
  .action((dir: string) => {
    process.exitCode = lintCommand(dir);
  });
rules
  .command('test')
  .description(
    'with events: print the alerts they raise (NDJSON, event time); without: run the behaviour tests',
  )
  .requiredOption('-r, --rules <dir>', 'rule folder')
  .argument('[events]', 'NDJSON ECS events ("-" for stdin)')
  .action(async (events: string | undefined, opts: { rules: string }) => {
    process.exitCode = await testCommand(opts.rules, events);
  });

await program.parseAsync();
