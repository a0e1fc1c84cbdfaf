// Grafana dashboards as data: the ClickHouse panels of deploy/grafana/dashboards, with the
// dashboard variables interpolated as Grafana does and the ClickHouse plugin's macros
// expanded as the plugin does (grafana-clickhouse-datasource, pkg/macros). Used by the panel
// test and the dashboard benchmark.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { quoteString } from '@soc/clickhouse';
import { REPO_ROOT } from '@soc/devkit';

export interface Target {
  rawSql?: string;
  expr?: string;
}
export interface Panel {
  title: string;
  description: string;
  datasource: { type: string };
  targets: Target[];
}
export interface Variable {
  name: string;
  type: string;
  query: string;
  current: { value: string };
}
export interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

export const dir = join(REPO_ROOT, 'deploy', 'grafana', 'dashboards');
export const dashboards = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dashboard);
export const chPanels = dashboards.flatMap((d) =>
  d.panels.filter((p) => p.datasource.type === 'grafana-clickhouse-datasource').map((p) => ({ d, p })),
);

export interface Range {
  from: Date;
  to: Date;
  intervalSeconds: number;
}

/** Grafana's interpolation of dashboard variables (multi-value, "All" = every value). */
export function interpolate(sql: string, vars: Record<string, string[] | number>): string {
  return sql.replace(/\$\{(\w+)(?::(\w+))?\}|\$(?!__)(\w+)/g, (whole, braced, format, bare) => {
    const name = (braced ?? bare) as string;
    const value = vars[name];
    if (value === undefined) throw new Error(`unknown variable ${whole}`);
    if (typeof value === 'number') return String(value);
    if (format !== undefined && format !== 'singlequote') throw new Error(`unsupported format ${whole}`);
    // values go through the project's one quoting function
    return value.map(quoteString).join(',');
  });
}

/** The plugin's macros, as pkg/macros/macros.go expands them. */
export function expandMacros(sql: string, r: Range): string {
  const s = (d: Date) => Math.floor(d.getTime() / 1000);
  const ms = (d: Date) => d.getTime();
  const interval = Math.max(r.intervalSeconds, 1);
  const out = sql
    .replace(/\$__timeFilter_ms\(([^)]+)\)/g, (_, c) => {
      const col = c.trim();
      return `${col} >= fromUnixTimestamp64Milli(${ms(r.from)}) AND ${col} <= fromUnixTimestamp64Milli(${ms(r.to)})`;
    })
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, c) => {
      const col = c.trim();
      return `${col} >= toDateTime(${s(r.from)}) AND ${col} <= toDateTime(${s(r.to)})`;
    })
    .replace(/\$__dateFilter\(([^)]+)\)/g, (_, c) => {
      const day = (d: Date) => `toDate('${d.toISOString().slice(0, 10)}')`;
      return `${c.trim()} >= ${day(r.from)} AND ${c.trim()} <= ${day(r.to)}`;
    })
    .replace(
      /\$__timeInterval\(([^)]+)\)/g,
      (_, c) => `toStartOfInterval(toDateTime(${c.trim()}), INTERVAL ${interval} second)`,
    )
    .replace(/\$__fromTime_ms\b/g, `fromUnixTimestamp64Milli(${ms(r.from)})`)
    .replace(/\$__toTime_ms\b/g, `fromUnixTimestamp64Milli(${ms(r.to)})`)
    .replace(/\$__fromTime\b/g, `toDateTime(${s(r.from)})`)
    .replace(/\$__toTime\b/g, `toDateTime(${s(r.to)})`)
    .replace(/\$__interval_s\b/g, String(interval));
  if (out.includes('$')) throw new Error(`unexpanded macro or variable in:\n${out}`);
  return out;
}

export function declaredColumns(p: Panel): string[] {
  const m = /Columns: ([^.]+)\./.exec(p.description);
  if (!m) throw new Error(`panel "${p.title}" declares no "Columns: ..." in its description`);
  return m[1]!.split(',').map((c) => c.trim());
}
