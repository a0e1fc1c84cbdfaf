// Checks of the Kubernetes manifests in deploy/k8s (kustomize). Every document is parsed
// as Kubernetes parses YAML (1.1: `yes` is a boolean, `0440` is octal), validated against
// the Kubernetes OpenAPI schemas compiled into kubernetes-models (offline), guarded against
// misspelt fields in the parts these manifests use, and checked against the services'
// config schemas. `kubectl kustomize` renders the base and the overlays when kubectl is
// installed; without it the base is assembled from its resources list here.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { ZoneMap } from '../../packages/enrich/src/index.ts';
import { SensorRegistry } from '../../packages/ingest/src/index.ts';
import { AnalystRegistry } from '../../packages/stream/src/index.ts';
import {
  ALL_PREFIXES,
  checkEnvironment,
  configWith,
  FLOATING_TAGS,
  imageTag,
  listeningPorts,
  opsPort,
  readText,
  repoPath,
  SERVICES,
  type ServiceSpec,
} from './support.ts';

type Doc = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
};

/** Kubernetes reads manifests with YAML 1.1 semantics (sigs.k8s.io/yaml on go-yaml). */
function parseManifests(text: string): Doc[] {
  return parseAllDocuments(text, { version: '1.1' })
    .map((d) => {
      if (d.errors.length > 0) throw d.errors[0];
      return d.toJS() as Doc | null;
    })
    .filter((d): d is Doc => d !== null);
}

const validators: Record<string, (doc: Doc) => void> = {
  'v1/Namespace': (d) => new Namespace(d as never).validate(),
  'v1/ConfigMap': (d) => new ConfigMap(d as never).validate(),
  'v1/Secret': (d) => new Secret(d as never).validate(),
  'v1/Service': (d) => new Service(d as never).validate(),
  'apps/v1/Deployment': (d) => new Deployment(d as never).validate(),
  'policy/v1/PodDisruptionBudget': (d) => new PodDisruptionBudget(d as never).validate(),
};

// ---- misspelt-field guard: kubernetes-models follows the OpenAPI schemas, which allow
// unknown fields (the API server drops them silently). These strict shapes cover the
// fields the manifests use; anything else is reported.
const str = z.string();
const num = z.number().int();
const labels = z.record(z.string(), z.string());
const probe = z.strictObject({
  httpGet: z.strictObject({ path: str, port: z.union([str, num]), scheme: str.optional() }),
  initialDelaySeconds: num.optional(),
  periodSeconds: num.optional(),
  timeoutSeconds: num.optional(),
  failureThreshold: num.optional(),
  successThreshold: num.optional(),
});
const quantities = z.strictObject({ cpu: z.union([str, z.number()]), memory: str });
const container = z.strictObject({
  name: str,
  image: str,
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  envFrom: z
    .array(
      z.strictObject({
        configMapRef: z.strictObject({ name: str }).optional(),
        secretRef: z.strictObject({ name: str }).optional(),
      }),
    )
    .optional(),
  env: z
    .array(
      z.strictObject({
        name: str,
        value: str.optional(),
        valueFrom: z
          .strictObject({
            configMapKeyRef: z.strictObject({ name: str, key: str }).optional(),
            secretKeyRef: z.strictObject({ name: str, key: str }).optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  ports: z.array(z.strictObject({ name: str, containerPort: num, protocol: z.enum(['TCP', 'UDP']) })),
  readinessProbe: probe,
  livenessProbe: probe,
  startupProbe: probe.optional(),
  lifecycle: z
    .strictObject({ preStop: z.strictObject({ exec: z.strictObject({ command: z.array(str) }) }) })
    .optional(),
  resources: z.strictObject({ requests: quantities, limits: quantities }),
  securityContext: z.strictObject({
    allowPrivilegeEscalation: z.literal(false),
    readOnlyRootFilesystem: z.literal(true),
    capabilities: z.strictObject({ drop: z.array(str) }),
  }),
  volumeMounts: z.array(z.strictObject({ name: str, mountPath: str, readOnly: z.boolean().optional() })),
});
const podSpec = z.strictObject({
  enableServiceLinks: z.literal(false),
  automountServiceAccountToken: z.literal(false),
  terminationGracePeriodSeconds: num,
  securityContext: z.strictObject({
    runAsNonRoot: z.literal(true),
    runAsUser: num.positive(),
    runAsGroup: num.optional(),
    fsGroup: num.optional(),
    seccompProfile: z.strictObject({ type: z.literal('RuntimeDefault') }),
  }),
  topologySpreadConstraints: z.array(z.looseObject({})).optional(),
  containers: z.array(container).min(1),
  volumes: z.array(z.looseObject({ name: str })).optional(),
});
const deployment = z.looseObject({
  spec: z.strictObject({
    replicas: num.nonnegative(),
    revisionHistoryLimit: num.optional(),
    selector: z.strictObject({ matchLabels: labels }),
    strategy: z.strictObject({
      type: z.literal('RollingUpdate'),
      rollingUpdate: z.strictObject({ maxSurge: z.union([num, str]), maxUnavailable: z.union([num, str]) }),
    }),
    template: z.strictObject({
      metadata: z.strictObject({ labels, annotations: labels.optional() }),
      spec: podSpec,
    }),
  }),
});
const service = z.looseObject({
  spec: z.strictObject({
    type: z.enum(['ClusterIP', 'LoadBalancer', 'NodePort']),
    selector: labels,
    ports: z.array(
      z.strictObject({
        name: str,
        port: num,
        targetPort: z.union([str, num]),
        protocol: z.enum(['TCP', 'UDP']),
      }),
    ),
  }),
});
const pdb = z.looseObject({
  spec: z.strictObject({
    maxUnavailable: z.union([num, str]).optional(),
    minAvailable: z.union([num, str]).optional(),
    selector: z.strictObject({ matchLabels: labels }),
  }),
});

type DeploymentDoc = Doc & z.infer<typeof deployment>;
type ContainerDoc = z.infer<typeof container>;

// ---- kustomize

interface Kustomization {
  apiVersion: string;
  kind: string;
  namespace?: string;
  resources?: string[];
  patches?: { path?: string }[];
}

const K8S = 'deploy/k8s';
const kustomizationDirs = (() => {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (existsSync(repoPath(dir, 'kustomization.yaml'))) out.push(dir);
    for (const e of readdirSync(repoPath(dir)))
      if (statSync(repoPath(dir, e)).isDirectory()) walk(join(dir, e));
  };
  walk(K8S);
  return out.sort();
})();

const kustomization = (dir: string) =>
  parseManifests(readText(join(dir, 'kustomization.yaml')))[0] as unknown as Kustomization;

/** The base assembled as kustomize would for these fields: its resources, in its namespace. */
function assembleBase(): Doc[] {
  const k = kustomization(`${K8S}/base`);
  return (k.resources ?? []).flatMap((file) =>
    parseManifests(readText(`${K8S}/base/${file}`)).map((d) => ({
      ...d,
      metadata: {
        ...d.metadata,
        ...(k.namespace && d.kind !== 'Namespace' ? { namespace: k.namespace } : {}),
      },
    })),
  );
}

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const render = (dir: string) =>
  parseManifests(execFileSync('kubectl', ['kustomize', repoPath(dir)], { encoding: 'utf8' }));

// ---- semantic checks over one rendered set of resources

const matches = (selector: Record<string, string>, labelSet: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labelSet?.[k] === v);

function dataOf(doc: Doc | undefined): Record<string, string> | undefined {
  if (!doc) return undefined;
  const plain = (doc['stringData'] ?? {}) as Record<string, string>;
  const encoded = Object.fromEntries(
    Object.entries((doc['data'] ?? {}) as Record<string, string>).map(([k, v]) => [
      k,
      doc.kind === 'Secret' ? Buffer.from(v, 'base64').toString('utf8') : v,
    ]),
  );
  return { ...encoded, ...plain };
}

function resolveEnv(
  c: ContainerDoc,
  find: (kind: string, name: string) => Doc | undefined,
  problems: string[],
) {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef
      ? ['ConfigMap', from.configMapRef.name]
      : ['Secret', from.secretRef?.name ?? ''];
    const data = dataOf(find(ref[0]!, ref[1]!));
    if (!data) problems.push(`${c.name}: envFrom ${ref[0]} ${ref[1]} does not exist`);
    Object.assign(env, data);
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    const ref = e.valueFrom?.configMapKeyRef
      ? (['ConfigMap', e.valueFrom.configMapKeyRef] as const)
      : e.valueFrom?.secretKeyRef
        ? (['Secret', e.valueFrom.secretKeyRef] as const)
        : undefined;
    if (ref) {
      const value = dataOf(find(ref[0], ref[1].name))?.[ref[1].key];
      if (value === undefined) problems.push(`${c.name}: ${e.name} refers to a missing ${ref[0]} key`);
      else env[e.name] = value;
    }
  }
  return env;
}

/** The content of the file at `path` inside the container, from a ConfigMap or Secret volume. */
function mountedFile(
  d: DeploymentDoc,
  c: ContainerDoc,
  path: string,
  find: (k: string, n: string) => Doc | undefined,
) {
  const mount = c.volumeMounts.find((m) => m.mountPath === dirname(path));
  const volume = d.spec.template.spec.volumes?.find((v) => v.name === mount?.name) as
    | { secret?: { secretName: string }; configMap?: { name: string } }
    | undefined;
  const source = volume?.secret
    ? find('Secret', volume.secret.secretName)
    : volume?.configMap
      ? find('ConfigMap', volume.configMap.name)
      : undefined;
  return dataOf(source)?.[basename(path)];
}

interface Expectations {
  replicas?: Partial<Record<ServiceSpec['name'], number>>;
}

function semanticProblems(docs: Doc[], expected: Expectations = {}): string[] {
  const problems: string[] = [];
  const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
  const deployments = docs.filter((d) => d.kind === 'Deployment') as DeploymentDoc[];
  const strict = (schema: z.ZodType, doc: Doc) => {
    const r = schema.safeParse(doc);
    if (!r.success)
      for (const i of r.error.issues)
        problems.push(`${doc.kind} ${doc.metadata.name}: ${i.path.join('.')}: ${i.message}`);
    return r.success;
  };

  // which partition count the topics get: ingest creates them first
  let partitions = 6;
  for (const d of deployments) {
    for (const c of d.spec?.template?.spec?.containers ?? []) {
      const value = c.env?.find((e) => e.name === 'INGEST_TOPIC_PARTITIONS')?.value;
      if (value) partitions = Number(value);
    }
  }

  const seen = new Set<string>();
  for (const d of deployments) {
    if (!strict(deployment, d)) continue;
    const spec = d.spec;
    const pod = spec.template.spec;
    if (!matches(spec.selector.matchLabels, spec.template.metadata.labels))
      problems.push(`${d.metadata.name}: selector does not match the pod labels`);
    if (pod.terminationGracePeriodSeconds < 30)
      problems.push(
        `${d.metadata.name}: terminationGracePeriodSeconds under the 25 s the services may take to drain`,
      );
    for (const c of pod.containers) {
      const svc = SERVICES.find((s) => s.name === c.name);
      if (!svc) {
        problems.push(`${d.metadata.name}: container ${c.name} is none of the services`);
        continue;
      }
      seen.add(svc.name);
      const tag = imageTag(c.image);
      if (!c.image.includes(`/${svc.name}`) || !tag || FLOATING_TAGS.has(tag))
        problems.push(`${svc.name}: image ${c.image} is not a pinned image of the service`);
      if (!c.securityContext.capabilities.drop.includes('ALL'))
        problems.push(`${svc.name}: capabilities not dropped`);

      const env = resolveEnv(c, find, problems);
      const envProblems = checkEnvironment(svc, env);
      problems.push(...envProblems);
      if (envProblems.length > 0) continue;
      if (env[`${svc.prefix}HOST`] !== '0.0.0.0')
        problems.push(`${svc.name}: ${svc.prefix}HOST is not 0.0.0.0`);

      // ports and probes
      const ops = opsPort(svc, env);
      const portOf = (p: string | number) =>
        typeof p === 'number' ? p : c.ports.find((x) => x.name === p)?.containerPort;
      for (const listening of listeningPorts(svc, env)) {
        const declared = c.ports.some(
          (p) => p.containerPort === listening.port && p.protocol === listening.protocol.toUpperCase(),
        );
        if (!declared)
          problems.push(`${svc.name}: ${listening.variable}=${listening.port} has no container port`);
      }
      if (c.readinessProbe.httpGet.path !== '/readyz')
        problems.push(`${svc.name}: readiness probe is not /readyz`);
      if (c.livenessProbe.httpGet.path !== '/healthz')
        problems.push(`${svc.name}: liveness probe is not /healthz`);
      for (const p of [c.readinessProbe, c.livenessProbe])
        if (portOf(p.httpGet.port) !== ops)
          problems.push(`${svc.name}: probe port ${p.httpGet.port} is not ${ops}`);

      // mounted configuration files load with the services' own loaders
      const config = configWith(svc, env);
      const file = (variable: string) => mountedFile(d, c, String(config[variable]), find);
      try {
        if (svc.name === 'ingest') {
          SensorRegistry.fromYaml(file('INGEST_SENSORS_FILE') ?? '');
          if (config['INGEST_ZONES_FILE']) ZoneMap.fromYaml(file('INGEST_ZONES_FILE') ?? '');
          const intelDir = String(config['INGEST_INTEL_DIR']);
          if (intelDir && !c.volumeMounts.some((m) => m.mountPath === intelDir))
            problems.push(`ingest: INGEST_INTEL_DIR ${intelDir} is not mounted`);
        }
        if (svc.name === 'fanout' && 'FANOUT_ANALYSTS_FILE' in config)
          AnalystRegistry.fromYaml(file('FANOUT_ANALYSTS_FILE') ?? '');
      } catch (err) {
        problems.push(`${svc.name}: mounted file: ${(err as Error).message}`);
      }
      for (const m of c.volumeMounts) {
        const volume = pod.volumes?.find((v) => v.name === m.name) as Record<
          string,
          { name?: string; secretName?: string }
        >;
        if (!volume) problems.push(`${svc.name}: volumeMount ${m.name} has no volume`);
        else if (volume['secret'] && !find('Secret', volume['secret'].secretName ?? ''))
          problems.push(`${svc.name}: Secret ${volume['secret'].secretName} does not exist`);
        else if (volume['configMap'] && !find('ConfigMap', volume['configMap'].name ?? ''))
          problems.push(`${svc.name}: ConfigMap ${volume['configMap'].name} does not exist`);
      }

      // consumers in one group share the partitions: a member beyond the count idles unready
      if (svc.name === 'correlator' || svc.name === 'sink') {
        const surge = Number(spec.strategy.rollingUpdate.maxSurge);
        if (spec.replicas + surge > partitions)
          problems.push(
            `${svc.name}: ${spec.replicas} replicas + maxSurge ${surge} exceed the ${partitions} partitions`,
          );
      }
      const wanted = expected.replicas?.[svc.name];
      if (wanted !== undefined && spec.replicas !== wanted)
        problems.push(`${svc.name}: ${spec.replicas} replicas, expected ${wanted}`);
    }
  }
  for (const svc of SERVICES) if (!seen.has(svc.name)) problems.push(`no Deployment runs ${svc.name}`);

  for (const s of docs.filter((d) => d.kind === 'Service')) {
    if (!strict(service, s)) continue;
    const spec = (s as Doc & z.infer<typeof service>).spec;
    // Service links turn a Service `ingest` into INGEST_SERVICE_HOST, INGEST_PORT=tcp://…
    const envName = s.metadata.name.toUpperCase().replaceAll('-', '_');
    if (ALL_PREFIXES.some((p) => envName.startsWith(p)))
      problems.push(
        `Service ${s.metadata.name}: its service-link variables would fall under a service's prefix`,
      );
    const targets = deployments.filter((d) => matches(spec.selector, d.spec?.template?.metadata?.labels));
    if (targets.length !== 1) {
      problems.push(`Service ${s.metadata.name}: selects ${targets.length} Deployments`);
      continue;
    }
    const ports = targets[0]!.spec.template.spec.containers.flatMap((c) => c.ports);
    for (const p of spec.ports) {
      const target = ports.find(
        (c) => (c.name === p.targetPort || c.containerPort === p.targetPort) && c.protocol === p.protocol,
      );
      if (!target)
        problems.push(`Service ${s.metadata.name}: targetPort ${p.targetPort}/${p.protocol} not exposed`);
    }
  }

  for (const b of docs.filter((d) => d.kind === 'PodDisruptionBudget')) {
    if (!strict(pdb, b)) continue;
    const spec = (b as Doc & z.infer<typeof pdb>).spec;
    const targets = deployments.filter((d) =>
      matches(spec.selector.matchLabels, d.spec?.template?.metadata?.labels),
    );
    if (targets.length !== 1)
      problems.push(`PodDisruptionBudget ${b.metadata.name}: selects ${targets.length}`);
    const replicas = targets[0]?.spec.replicas ?? 0;
    const allows =
      spec.maxUnavailable !== undefined
        ? Number(spec.maxUnavailable) >= 1
        : Number(spec.minAvailable) < replicas;
    if (!allows) problems.push(`PodDisruptionBudget ${b.metadata.name}: allows no voluntary disruption`);
  }
  for (const d of deployments) {
    if (!docs.some((b) => b.kind === 'PodDisruptionBudget' && b.metadata.name === d.metadata.name))
      problems.push(`Deployment ${d.metadata.name} has no PodDisruptionBudget`);
  }

  const namespaces = docs.filter((d) => d.kind === 'Namespace').map((d) => d.metadata.name);
  for (const d of docs.filter((x) => x.kind !== 'Namespace'))
    if (!namespaces.includes(d.metadata.namespace ?? ''))
      problems.push(
        `${d.kind} ${d.metadata.name}: namespace ${d.metadata.namespace} is not the soc-stream Namespace`,
      );
  return problems;
}

function schemaProblems(docs: Doc[]): string[] {
  const problems: string[] = [];
  for (const d of docs) {
    const validator = validators[`${d.apiVersion}/${d.kind}`];
    if (!validator) {
      problems.push(`${d.apiVersion} ${d.kind} ${d.metadata?.name}: not an expected apiVersion/kind pair`);
      continue;
    }
    try {
      validator(d);
    } catch (err) {
      problems.push(`${d.kind} ${d.metadata?.name}: ${(err as Error).message}`);
    }
  }
  return problems;
}

const BASE_REPLICAS = { ingest: 3, correlator: 6, sink: 2, fanout: 2 } as const;

describe('deploy/k8s kustomizations', () => {
  it('has a base and at least one overlay', () => {
    expect(kustomizationDirs).toContain(`${K8S}/base`);
    expect(kustomizationDirs.some((d) => d.includes('/overlays/'))).toBe(true);
  });

  it.each(kustomizationDirs)('%s lists existing resources, and every manifest beside it', (dir) => {
    const k = kustomization(dir);
    expect(`${k.apiVersion}/${k.kind}`).toBe('kustomize.config.k8s.io/v1beta1/Kustomization');
    const resources = k.resources ?? [];
    expect(resources.length).toBeGreaterThan(0);
    expect(new Set(resources).size).toBe(resources.length);
    for (const r of resources) {
      const path = repoPath(dir, r);
      expect(existsSync(path), `${dir}: resource ${r} exists`).toBe(true);
      if (statSync(path).isDirectory()) expect(existsSync(join(path, 'kustomization.yaml'))).toBe(true);
    }
    const referenced = new Set([...resources, ...(k.patches ?? []).flatMap((p) => (p.path ? [p.path] : []))]);
    const manifests = readdirSync(repoPath(dir)).filter(
      (f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml' && statSync(repoPath(dir, f)).isFile(),
    );
    expect(manifests.filter((f) => !referenced.has(f))).toEqual([]);
  });
});

describe('deploy/k8s/base', () => {
  const docs = assembleBase();

  it('parses, with one Namespace that the kustomization assigns', () => {
    expect(docs.length).toBeGreaterThan(10);
    const namespaces = docs.filter((d) => d.kind === 'Namespace');
    expect(namespaces).toHaveLength(1);
    expect(kustomization(`${K8S}/base`).namespace).toBe(namespaces[0]!.metadata.name);
  });

  it('validates against the Kubernetes schemas (kubernetes-models)', () => {
    expect(schemaProblems(docs)).toEqual([]);
  });

  it('holds together: env, ports, probes, mounts, selectors, replicas, security', () => {
    expect(semanticProblems(docs, { replicas: BASE_REPLICAS })).toEqual([]);
  });

  it('marks every Secret as a placeholder', () => {
    const text = readText(`${K8S}/base/secrets.yaml`);
    const secrets = docs.filter((d) => d.kind === 'Secret');
    expect(secrets.length).toBeGreaterThan(0);
    expect(text.match(/PLACEHOLDER/g)?.length ?? 0).toBeGreaterThan(secrets.length);
  });
});

describe.runIf(kubectl)('kubectl kustomize', () => {
  it.each(kustomizationDirs)('%s renders, validates and holds together', (dir) => {
    const docs = render(dir);
    expect(docs.length).toBeGreaterThan(10);
    expect(schemaProblems(docs)).toEqual([]);
    expect(semanticProblems(docs, dir.endsWith('/base') ? { replicas: BASE_REPLICAS } : {})).toEqual([]);
  });

  it('renders the base as assembled here', () => {
    const key = (d: Doc) => `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`;
    expect(render(`${K8S}/base`).map(key).sort()).toEqual(assembleBase().map(key).sort());
  });
});
