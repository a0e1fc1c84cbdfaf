// The `soc` command (./bin/soc): detection engineering and log tooling on the same
// packages the services run. Command-line parsing by commander.

import { hashToken, newToken } from '@soc/ingest';
import { formatNames } from '@soc/parsers';
import { parseTimespan } from '@soc/rules';
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
  .option('-l, --lateness <timespan>', 'allowed lateness for an events file, e.g. 5s', '0s')
  .argument('[events]', 'NDJSON ECS events ("-" for stdin)')
  .action(async (events: string | undefined, opts: { rules: string; lateness: string }) => {
    const lateness = parseTimespan(opts.lateness) ?? (opts.lateness === '0s' ? 0 : null);
    if (lateness === null) {
      process.stderr.write(`--lateness "${opts.lateness}" is not a timespan (e.g. 5s, 1m)\n`);
      process.exitCode = 2;
      return;
    }
    process.exitCode = await testCommand(opts.rules, events, lateness);
  });

const db = program.command('db').description('the ClickHouse database');
db.command('migrate')
  .description('create the database if needed and apply the migrations not applied yet')
  .option('--url <url>', 'ClickHouse HTTP endpoint', process.env['CLICKHOUSE_URL'] || 'http://127.0.0.1:8123')
  .option('--database <name>', 'database', process.env['CLICKHOUSE_DATABASE'] || 'soc')
  .action(async (opts: { url: string; database: string }) => {
    // loaded here so the other commands never load a ClickHouse client
    const { migrate } = await import('@soc/clickhouse');
    const applied = await migrate({
      url: opts.url,
      database: opts.database,
      username: process.env['CLICKHOUSE_USER'] || 'default',
      password: process.env['CLICKHOUSE_PASSWORD'] ?? '',
    }).catch((err: Error) => {
      process.stderr.write(`soc db migrate: ${opts.url} ${opts.database}: ${err.message}\n`);
      process.exitCode = 1;
      return undefined;
    });
    if (!applied) return;
    process.stdout.write(
      applied.length > 0
        ? `${opts.database}: applied ${applied.map((v) => String(v).padStart(4, '0')).join(', ')}\n`
        : `${opts.database}: up to date\n`,
    );
  });

await program.parseAsync();
