// Checks of deploy/compose/compose.yaml. `docker compose config` is used when the Compose
// plugin is installed; otherwise (as on the project's machines, which have the docker CLI
// but no Compose plugin and no engine) the file is validated against the Compose
// Specification schema that dclint ships, with dclint's best-practice rules, and then
// checked here against the repository: the services' config schemas, the files it mounts,
// the Dockerfiles it builds and the Prometheus scrape configuration.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { DCLinter } from 'dclint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ZoneMap } from '../../packages/enrich/src/index.ts';
import { SensorRegistry } from '../../packages/ingest/src/index.ts';
import { AnalystRegistry } from '../../packages/stream/src/index.ts';
import {
  checkEnvironment,
  FLOATING_TAGS,
  imageTag,
  interpolate,
  opsPort,
  ROOT,
  readText,
  repoPath,
  SERVICES,
} from './support.ts';

const COMPOSE = 'deploy/compose/compose.yaml';
const composeDir = repoPath('deploy/compose');

interface Healthcheck {
  test?: string[] | string;
  disable?: boolean;
}
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string } | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  ports?: (string | { published?: string | number; target: number; host_ip?: string; protocol?: string })[];
  volumes?: (string | { type: string; source?: string; target: string; read_only?: boolean })[];
  healthcheck?: Healthcheck;
  read_only?: boolean;
}
interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readText(COMPOSE)) as ComposeFile;
const services = compose.services;

/** The environment a service receives, with ${VAR:-default} taking its default. */
function environment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  const pairs = Array.isArray(env)
    ? env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const)
    : Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)] as const);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v)]));
}

interface Mount {
  source: string;
  target: string;
  bind: boolean;
}

function mounts(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source ?? '', target: v.target, bind: v.type === 'bind' };
    const [source = '', target = ''] = interpolate(v).split(':');
    const bind = source.startsWith('.') || source.startsWith('/');
    return { source: bind ? resolve(composeDir, source) : source, target, bind };
  });
}

/** The host file or folder mounted at a path inside the container (bind mounts only). */
function hostPathOf(service: ComposeService, containerPath: string): string | undefined {
  for (const m of mounts(service).filter((x) => x.bind)) {
    if (containerPath === m.target) return m.source;
    if (containerPath.startsWith(`${m.target}/`))
      return join(m.source, containerPath.slice(m.target.length + 1));
  }
  return undefined;
}

function healthcheckText(h: Healthcheck | undefined): string {
  if (!h?.test) return '';
  return Array.isArray(h.test) ? h.test.join(' ') : h.test;
}

function dockerfileOf(service: ComposeService): string | undefined {
  if (!service.build) return undefined;
  const build =
    typeof service.build === 'string' ? { context: service.build, dockerfile: 'Dockerfile' } : service.build;
  return resolve(composeDir, build.context, build.dockerfile);
}

const composePlugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;

describe('deploy/compose/compose.yaml', () => {
  it.runIf(composePlugin)('is accepted by `docker compose config`', () => {
    execFileSync('docker', ['compose', '-f', repoPath(COMPOSE), 'config', '--quiet'], { stdio: 'pipe' });
  });

  it('follows the Compose Specification schema and the dclint rules', () => {
    const linter = new DCLinter({
      rules: {
        'no-build-and-image': 2,
        'no-duplicate-container-names': 2,
        'no-duplicate-exported-ports': 2,
        'no-quotes-in-volumes': 2,
        'no-unbound-port-interfaces': 2,
        'no-version-field': 2,
        'require-project-name-field': 2,
        'require-quotes-in-ports': [2, { quoteType: 'double' }],
        'service-container-name-regex': 2,
        'service-dependencies-alphabetical-order': 2,
        'service-image-require-explicit-tag': 2,
        'service-keys-order': 2,
        'service-ports-alphabetical-order': 2,
        // infrastructure first, then the pipeline in data-flow order, then monitoring
        'services-alphabetical-order': 0,
        'top-level-properties-order': 2,
      },
      quiet: false,
      debug: false,
      exclude: [],
    });
    // dclint's bundled typings do not resolve under NodeNext: the result's shape, as documented
    const [result] = linter.lintFiles([repoPath(COMPOSE)], false) as {
      messages: { line: number; rule: string; message: string }[];
    }[];
    expect(result?.messages.map((m) => `line ${m.line}: [${m.rule}] ${m.message}`)).toEqual([]);
  });

  it('runs Kafka 4.1.1 in KRaft mode with the settings the test stack uses', () => {
    const kafka = services['kafka']!;
    expect(kafka.image).toBe('apache/kafka:4.1.1');
    const stack = readText('packages/devkit/src/stack.ts');
    expect(stack).toContain(`'${kafka.image}'`);
    // the broker's environment in withTestcontainers(): the first .withEnvironment({...}) block
    const block = stack.slice(stack.indexOf('withTestcontainers'));
    const environmentBlock = block.slice(block.indexOf('.withEnvironment({'));
    const keys = [
      ...environmentBlock.slice(0, environmentBlock.indexOf('})')).matchAll(/\b(KAFKA_[A-Z_]+):/g),
    ].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(5);
    const env = environment(kafka);
    expect(keys.filter((k) => !(k in env))).toEqual([]);
    expect(env['KAFKA_PROCESS_ROLES']).toBe('broker,controller');
    // containers reach the broker as kafka:9092
    expect(env['KAFKA_ADVERTISED_LISTENERS']).toContain('PLAINTEXT://kafka:9092');
  });

  it('pins every image and builds the four services from their Dockerfiles', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image) {
        const tag = imageTag(service.image);
        expect(tag && !FLOATING_TAGS.has(tag), `${name}: ${service.image} has a concrete tag`).toBe(true);
      } else {
        expect(service.build, `${name} has an image or a build`).toBeDefined();
      }
    }
    for (const svc of SERVICES) {
      const service = services[svc.name];
      expect(service, `compose service ${svc.name}`).toBeDefined();
      const dockerfile = dockerfileOf(service!);
      expect(dockerfile && relative(ROOT, dockerfile)).toBe(`deploy/docker/${svc.name}.Dockerfile`);
      expect(existsSync(dockerfile!)).toBe(true);
      // the context is the repository root: the Dockerfiles copy workspace files
      const build = service!.build as { context: string };
      expect(resolve(composeDir, build.context)).toBe(resolve(ROOT));
    }
  });

  it('gives every service a health check, and waits for healthy dependencies', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test, `${name} has a healthcheck`).toBeDefined();
      expect(service.healthcheck?.disable).not.toBe(true);
      const deps = service.depends_on ?? {};
      expect(Array.isArray(deps), `${name}: depends_on with conditions`).toBe(false);
      for (const [dep, { condition }] of Object.entries(deps as Record<string, { condition: string }>)) {
        expect(services[dep], `${name} depends on ${dep}, which exists`).toBeDefined();
        expect(condition).toBe('service_healthy');
        expect(services[dep]?.healthcheck?.test).toBeDefined();
      }
    }
  });

  it('reports the services healthy on /readyz of their ops port', () => {
    for (const svc of SERVICES) {
      const service = services[svc.name]!;
      const check = healthcheckText(service.healthcheck);
      expect(check).toContain(`http://127.0.0.1:${opsPort(svc, environment(service))}/readyz`);
    }
  });

  it('gives each service only variables its config.ts declares, with values it accepts', () => {
    for (const svc of SERVICES) {
      expect(checkEnvironment(svc, environment(services[svc.name]!))).toEqual([]);
    }
  });

  it('points the services at the compose hostnames', () => {
    const kafkaPort = /PLAINTEXT:\/\/:(\d+)/.exec(
      environment(services['kafka']!)['KAFKA_LISTENERS'] ?? '',
    )?.[1];
    for (const svc of SERVICES) {
      const env = environment(services[svc.name]!);
      expect(env['KAFKA_BROKERS'], `${svc.name}: KAFKA_BROKERS`).toBe(`kafka:${kafkaPort}`);
      expect(env[`${svc.prefix}HOST`], `${svc.name} listens on all interfaces`).toBe('0.0.0.0');
      if ('CLICKHOUSE_URL' in svc.schema.shape) {
        expect(env['CLICKHOUSE_URL'], `${svc.name}: CLICKHOUSE_URL`).toBe('http://clickhouse:8123');
        expect(env['CLICKHOUSE_USER']).toBe(environment(services['clickhouse']!)['CLICKHOUSE_USER']);
        expect(env['CLICKHOUSE_PASSWORD']).toBe(environment(services['clickhouse']!)['CLICKHOUSE_PASSWORD']);
      }
    }
  });

  it('publishes each host port once, on the loopback interface', () => {
    const seen = new Map<string, string>();
    for (const [name, service] of Object.entries(services)) {
      for (const p of service.ports ?? []) {
        expect(typeof p, `${name}: short port syntax`).toBe('string');
        const m = /^(\d+\.\d+\.\d+\.\d+):(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(p as string);
        expect(m, `${name}: ${String(p)} is ip:host:container[/proto]`).not.toBeNull();
        expect(m![1]).toBe('127.0.0.1');
        const key = `${m![1]}:${m![2]}/${m![4] ?? 'tcp'}`;
        expect(seen.get(key), `${key} published by ${name} and ${seen.get(key)}`).toBeUndefined();
        seen.set(key, name);
      }
    }
  });

  it('mounts files that exist, read-only, and that the services can load', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const m of mounts(service)) {
        if (!m.bind) {
          expect(compose.volumes && m.source in compose.volumes, `${name}: volume ${m.source} declared`).toBe(
            true,
          );
          continue;
        }
        expect(m.source.startsWith(ROOT), `${name}: ${m.source} inside the repository`).toBe(true);
        // deploy/grafana is maintained separately; its folders are mounted as they are
        if (relative(ROOT, m.source).startsWith('deploy/grafana/')) continue;
        expect(existsSync(m.source), `${name}: ${relative(ROOT, m.source)} exists`).toBe(true);
      }
    }
    const ingest = services['ingest']!;
    const env = environment(ingest);
    const sensors = hostPathOf(ingest, env['INGEST_SENSORS_FILE']!);
    expect(sensors, 'INGEST_SENSORS_FILE is mounted').toBeDefined();
    expect(SensorRegistry.fromYaml(readFileSync(sensors!, 'utf8')).sensors.length).toBeGreaterThan(0);
    const zones = hostPathOf(ingest, env['INGEST_ZONES_FILE']!);
    expect(zones, 'INGEST_ZONES_FILE is mounted').toBeDefined();
    ZoneMap.fromYaml(readFileSync(zones!, 'utf8'));
    const intel = hostPathOf(ingest, env['INGEST_INTEL_DIR']!);
    expect(intel && statSync(intel).isDirectory(), 'INGEST_INTEL_DIR is a mounted folder').toBe(true);
    const fanout = services['fanout']!;
    if ('FANOUT_ANALYSTS_FILE' in environment(fanout)) {
      const analysts = hostPathOf(fanout, environment(fanout)['FANOUT_ANALYSTS_FILE']!);
      expect(analysts, 'FANOUT_ANALYSTS_FILE is mounted').toBeDefined();
      expect(AnalystRegistry.fromYaml(readFileSync(analysts!, 'utf8')).size).toBeGreaterThan(0);
    }
    const rules = hostPathOf(
      services['correlator']!,
      environment(services['correlator']!)['CORRELATOR_RULES_DIR']!,
    );
    expect(rules && readdirSync(rules).length, 'CORRELATOR_RULES_DIR is a mounted rule folder').toBeTruthy();
    for (const svc of SERVICES) {
      const service = services[svc.name]!;
      for (const m of mounts(service).filter((x) => x.bind)) {
        const spec = (service.volumes ?? []).find((v) => typeof v === 'string' && v.includes(m.target));
        expect(String(spec).endsWith(':ro'), `${svc.name}: ${m.target} mounted read-only`).toBe(true);
      }
      expect(service.read_only, `${svc.name}: read-only root file system`).toBe(true);
    }
  });
});

describe('Grafana in deploy/compose/compose.yaml', () => {
  const providersDir = repoPath('deploy/grafana/provisioning/dashboards');
  // deploy/grafana is maintained separately: checked when it is there
  it('mounts the dashboards where the provisioned provider reads them', () => {
    const grafana = services['grafana']!;
    for (const file of readdirSync(providersDir).filter((f) => /\.ya?ml$/.test(f))) {
      const provisioning = parse(readFileSync(join(providersDir, file), 'utf8')) as {
        providers?: { options?: { path?: string } }[];
      };
      for (const provider of provisioning.providers ?? []) {
        const path = provider.options?.path;
        if (!path) continue;
        const host = hostPathOf(grafana, path);
        expect(host && relative(ROOT, host), `${file}: ${path} is mounted`).toBe('deploy/grafana/dashboards');
      }
    }
  });
});

describe('deploy/compose/prometheus.yml', () => {
  interface ScrapeConfig {
    job_name: string;
    metrics_path?: string;
    static_configs?: { targets: string[] }[];
    dns_sd_configs?: { names: string[]; type?: string; port?: number }[];
  }
  const prometheus = parse(readText('deploy/compose/prometheus.yml')) as { scrape_configs: ScrapeConfig[] };

  it('is the file mounted into the prometheus service', () => {
    const target = hostPathOf(services['prometheus']!, '/etc/prometheus/prometheus.yml');
    expect(target && relative(ROOT, target)).toBe('deploy/compose/prometheus.yml');
  });

  it("scrapes every service's /metrics on its ops port", () => {
    for (const svc of SERVICES) {
      const port = opsPort(svc, environment(services[svc.name]!));
      const jobs = prometheus.scrape_configs.filter((job) => {
        const targets = [
          ...(job.static_configs ?? []).flatMap((s) => s.targets),
          ...(job.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`)),
        ];
        return targets.includes(`${svc.name}:${port}`);
      });
      expect(jobs, `a scrape job for ${svc.name}:${port}`).toHaveLength(1);
      expect(jobs[0]!.metrics_path ?? '/metrics').toBe('/metrics');
    }
    const names = prometheus.scrape_configs.map((j) => j.job_name);
    expect(new Set(names).size).toBe(names.length);
  });
});
