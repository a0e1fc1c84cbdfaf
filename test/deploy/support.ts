// Shared facts for the deployment validation tests: the services, their configuration
// schemas (imported from the services themselves, so a renamed or new variable is seen at
// once), their default ports, and the pnpm workspace graph.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { loadConfig } from '../../packages/config/src/index.ts';
import { correlatorEnv } from '../../services/correlator/src/config.ts';
import { fanoutEnv } from '../../services/fanout/src/config.ts';
import { ingestEnv } from '../../services/ingest/src/config.ts';
import { sinkEnv } from '../../services/sink/src/config.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const repoPath = (...parts: string[]) => join(ROOT, ...parts);

export const readText = (path: string) => readFileSync(repoPath(path), 'utf8');

export interface ServiceSpec {
  /** folder under services/ and compose service name */
  name: 'ingest' | 'correlator' | 'sink' | 'fanout';
  /** the variables under this prefix must be declared (the service rejects unknown ones) */
  prefix: string;
  schema: z.ZodObject;
}

export const SERVICES: readonly ServiceSpec[] = [
  { name: 'ingest', prefix: 'INGEST_', schema: ingestEnv },
  { name: 'correlator', prefix: 'CORRELATOR_', schema: correlatorEnv },
  { name: 'sink', prefix: 'SINK_', schema: sinkEnv },
  { name: 'fanout', prefix: 'FANOUT_', schema: fanoutEnv },
];

export const ALL_PREFIXES = SERVICES.map((s) => s.prefix);

export const declaredVariables = (svc: ServiceSpec) => new Set(Object.keys(svc.schema.shape));

/** The configuration a service would run with for this environment, or the loader's error. */
export function checkEnvironment(svc: ServiceSpec, env: Record<string, string>): string[] {
  const declared = declaredVariables(svc);
  const problems = Object.keys(env)
    .filter((k) => !declared.has(k))
    .map((k) => `${svc.name}: ${k} is not declared in services/${svc.name}/src/config.ts`);
  try {
    loadConfig(svc.schema, env, { ownPrefixes: [svc.prefix] });
  } catch (err) {
    problems.push(`${svc.name}: ${(err as Error).message}`);
  }
  return problems;
}

export function configWith(svc: ServiceSpec, env: Record<string, string>): Record<string, unknown> {
  return loadConfig(svc.schema, env, { ownPrefixes: [svc.prefix] }) as Record<string, unknown>;
}

export interface PortSpec {
  variable: string;
  port: number;
  protocol: 'tcp' | 'udp';
}

/** Every listening port of a service with the given environment (defaults when empty); 0 = off. */
export function listeningPorts(svc: ServiceSpec, env: Record<string, string> = {}): PortSpec[] {
  const config = configWith(svc, env);
  return Object.entries(config)
    .filter(([k, v]) => k.startsWith(svc.prefix) && k.endsWith('_PORT') && typeof v === 'number' && v > 0)
    .map(([k, v]) => ({ variable: k, port: v as number, protocol: k.includes('_UDP_') ? 'udp' : 'tcp' }));
}

/** The port of the HTTP server with /healthz, /readyz and /metrics. */
export function opsPort(svc: ServiceSpec, env: Record<string, string> = {}): number {
  return configWith(svc, env)[`${svc.prefix}PORT`] as number;
}

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
}

export interface WorkspacePackage {
  name: string;
  dir: string;
  workspaceDependencies: string[];
}

/** The workspace packages under packages/ and services/, by name. */
export function workspacePackages(): Map<string, WorkspacePackage> {
  const result = new Map<string, WorkspacePackage>();
  for (const parent of ['packages', 'services']) {
    for (const entry of readdirSync(repoPath(parent))) {
      const file = repoPath(parent, entry, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
      const deps = Object.entries(pkg.dependencies ?? {})
        .filter(([, spec]) => spec.startsWith('workspace:'))
        .map(([name]) => name);
      result.set(pkg.name, { name: pkg.name, dir: `${parent}/${entry}`, workspaceDependencies: deps });
    }
  }
  return result;
}

/** A package and every workspace package it depends on in production, directly or not. */
export function workspaceClosure(name: string): WorkspacePackage[] {
  const all = workspacePackages();
  const seen = new Map<string, WorkspacePackage>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    const pkg = all.get(n);
    if (!pkg) throw new Error(`workspace package ${n} not found`);
    seen.set(n, pkg);
    for (const d of pkg.workspaceDependencies) visit(d);
  };
  visit(name);
  return [...seen.values()];
}

export function packageName(dir: string): string {
  return (JSON.parse(readText(`${dir}/package.json`)) as PackageJson).name;
}

/** Files under a folder of the repository, as repository-relative paths, without node_modules. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs)) {
      if (entry === 'node_modules') continue;
      const path = join(abs, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(ROOT, path));
    }
  };
  walk(repoPath(dir));
  return out;
}

/** Compose-style interpolation with the defaults: ${VAR:-default}, ${VAR-default}, ${VAR}, $$. */
export function interpolate(value: string, vars: Record<string, string> = {}): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$\$/g,
    (match, name?: string, fallback?: string) => {
      if (match === '$$') return '$';
      const v = vars[name!];
      return v !== undefined && v !== '' ? v : (fallback ?? '');
    },
  );
}

/** An image reference split into name and tag (digests count as pinned). */
export function imageTag(image: string): string | undefined {
  if (image.includes('@sha256:')) return image.split('@')[1];
  const last = image.split('/').pop() ?? '';
  return last.includes(':') ? last.split(':')[1] : undefined;
}

export const FLOATING_TAGS = new Set(['latest', 'stable', 'edge', 'nightly', 'dev', 'lts', 'current']);
