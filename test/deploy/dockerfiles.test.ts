// Static checks of deploy/docker/<service>.Dockerfile (no Docker engine needed): the files
// are parsed with dockerfile-ast and linted with dockerfile-utils, then checked against the
// repository — the services' config schemas, the pnpm workspace, the build context that
// each Dockerfile's .dockerignore lets through.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Copy, DockerfileParser, type Env, type Healthcheck, type Instruction } from 'dockerfile-ast';
import { ValidationSeverity, validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import {
  checkEnvironment,
  FLOATING_TAGS,
  filesUnder,
  imageTag,
  listeningPorts,
  opsPort,
  packageName,
  readText,
  repoPath,
  SERVICES,
  workspaceClosure,
} from './support.ts';

interface Stage {
  name: string | undefined;
  image: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string) {
  const dockerfile = DockerfileParser.parse(text);
  const args = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) args.set(property.getName(), property.getValue() ?? '');
  }
  const expand = (s: string) =>
    s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args.get(a ?? b) ?? `<unset ${a ?? b}>`);
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const words = instruction.getArguments().map((a) => a.getValue());
      const as = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({
        name: as >= 0 ? words[as + 1] : undefined,
        image: expand(words[0] ?? ''),
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { dockerfile, args, stages };
}

// a CommonJS module whose typings declare an ES default export: load it as Node does
const ignore = createRequire(import.meta.url)(
  '@balena/dockerignore',
) as typeof import('@balena/dockerignore').default;

const ofKind = <T extends Instruction>(stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.getKeyword() === keyword) as T[];

const toolchainNodeVersion = /SOC_NODE_VERSION="\$\{SOC_NODE_VERSION:-([^}]+)\}"/.exec(
  readText('scripts/toolchain.sh'),
)?.[1];
const pnpmVersion = (
  JSON.parse(readText('package.json')) as { packageManager: string }
).packageManager.replace(/^pnpm@/, '');

describe.each(SERVICES)('deploy/docker/$name.Dockerfile', (svc) => {
  const path = `deploy/docker/${svc.name}.Dockerfile`;
  const text = readText(path);
  const { args, stages } = parseDockerfile(text);
  const final = stages.at(-1)!;
  const build = stages[0]!;
  const ignorePath = `${path}.dockerignore`;
  const context = ignore().add(readText(ignorePath).split('\n'));
  const servicePackage = packageName(`services/${svc.name}`);

  it('lints clean (dockerfile-utils, every rule as an error)', () => {
    const all = ValidationSeverity.ERROR;
    const diagnostics = validate(text, {
      deprecatedMaintainer: all,
      directiveCasing: all,
      emptyContinuationLine: all,
      instructionCasing: all,
      instructionCmdMultiple: all,
      instructionEntrypointMultiple: all,
      instructionHealthcheckMultiple: all,
      instructionJSONInSingleQuotes: all,
      instructionWorkdirRelative: all,
    });
    expect(diagnostics.map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('is multi-stage, on pinned Node 24 images matching the toolchain', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(args.get('NODE_VERSION')).toBe(toolchainNodeVersion);
    for (const stage of stages) {
      expect(stage.image).toMatch(/^(node:24\.[\d.]+-slim|gcr\.io\/distroless\/nodejs24-debian\d+(:.+)?)$/);
      const tag = imageTag(stage.image);
      expect(tag && !FLOATING_TAGS.has(tag), `${stage.image} has a concrete tag`).toBe(true);
    }
    // the build stage installs the pnpm version the workspace pins
    expect(ofKind<Instruction>(build, 'ARG').map((a) => a.getArgumentsContent())).toContain(
      `PNPM_VERSION=${pnpmVersion}`,
    );
  });

  it('installs only the production dependency closure of the service, inside the workspace layout', () => {
    const runs = stages
      .flatMap((s) => ofKind<Instruction>(s, 'RUN'))
      .map((r) => r.getArgumentsContent() ?? '');
    // `pnpm deploy` moves workspace packages under node_modules, where Node does not strip types
    expect(runs.filter((r) => /\bpnpm\s+deploy\b/.test(r))).toEqual([]);
    const install = runs.find((r) => /\bpnpm\s+install\b/.test(r));
    expect(install).toBeDefined();
    expect(install).toContain('--prod');
    expect(install).toContain('--frozen-lockfile');
    expect(install).toContain(`--filter '${servicePackage}...'`);
    // workspace packages outside the closure are removed before the runtime stage copies /app
    expect(
      runs.some((r) => r.includes(`pnpm ls --filter '${servicePackage}...'`) && r.includes('rm -rf')),
    ).toBe(true);
  });

  it('copies only existing paths that the build context lets through', () => {
    const stageNames = new Set(stages.map((s) => s.name).filter(Boolean));
    expect(stages.flatMap((s) => ofKind<Instruction>(s, 'ADD'))).toEqual([]); // no ADD, so no ADD http(s)://
    for (const copy of stages.flatMap((s) => ofKind<Copy>(s, 'COPY'))) {
      const from = copy.getFromFlag()?.getValue();
      if (from) {
        expect(stageNames.has(from), `COPY --from=${from} names an earlier stage`).toBe(true);
        continue;
      }
      const words = copy.getArguments().map((a) => a.getValue());
      for (const source of words.slice(0, -1)) {
        const rel = source.replace(/^\.\//, '').replace(/\/$/, '');
        expect(existsSync(repoPath(rel)), `${source} exists in the repository`).toBe(true);
        expect(context.ignores(rel), `${source} is not excluded by ${ignorePath}`).toBe(false);
      }
    }
  });

  it('sends every runtime file of the closure to the build context, and no node_modules', () => {
    const closure = workspaceClosure(servicePackage);
    expect(closure.map((p) => p.dir)).toContain(`services/${svc.name}`);
    for (const pkg of closure) {
      const runtimeFiles = filesUnder(pkg.dir).filter(
        (f) => !f.endsWith('.test.ts') && !f.startsWith('packages/parsers/fixtures/'),
      );
      expect(runtimeFiles.length).toBeGreaterThan(0);
      expect(runtimeFiles.filter((f) => context.ignores(f))).toEqual([]);
      expect(context.ignores(`${pkg.dir}/node_modules/zod/package.json`)).toBe(true);
    }
    expect(context.ignores('node_modules/.pnpm/lock.yaml')).toBe(true);
    for (const f of ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'patches/kafkajs@2.2.4.patch'])
      expect(context.ignores(f)).toBe(false);
  });

  it('runs as a non-root user in production mode', () => {
    const users = ofKind<Instruction>(final, 'USER').map((u) => u.getArgumentsContent() ?? '');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.split(':')[0];
    expect(['root', '0', '']).not.toContain(user);
    const env = Object.fromEntries(
      ofKind<Env>(final, 'ENV').flatMap((e) =>
        e.getProperties().map((p) => [p.getName(), p.getValue() ?? '']),
      ),
    );
    expect(env['NODE_ENV']).toBe('production');
  });

  it('sets only variables the service declares, with values it accepts', () => {
    const env = Object.fromEntries(
      stages
        .flatMap((s) => ofKind<Env>(s, 'ENV'))
        .flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue() ?? '']))
        .filter(([name]) => name !== 'NODE_ENV'),
    );
    expect(checkEnvironment(svc, env)).toEqual([]);
    // listening on all interfaces inside the container
    expect(env[`${svc.prefix}HOST`]).toBe('0.0.0.0');
  });

  it('exposes exactly the ports the service listens on by default', () => {
    const exposed = ofKind<Instruction>(final, 'EXPOSE')
      .flatMap((e) => e.getArguments().map((a) => a.getValue()))
      .map((p) => (p.includes('/') ? p : `${p}/tcp`))
      .sort();
    const expected = listeningPorts(svc)
      .map((p) => `${p.port}/${p.protocol}`)
      .sort();
    expect(exposed).toEqual([...new Set(expected)]);
  });

  it('has a HEALTHCHECK that calls /healthz on the ops port with node fetch', () => {
    const checks = ofKind<Healthcheck>(final, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const content = checks[0]!.getArgumentsContent() ?? '';
    expect(content.startsWith('CMD')).toBe(true);
    const command = JSON.parse(content.slice(3).trim()) as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command[2]).toContain('/healthz');
    expect(command[2]).toContain('fetch(');
    expect(command[2]).toContain(`process.env.${svc.prefix}PORT||${opsPort(svc)}`);
  });

  it('starts the service from its TypeScript sources', () => {
    const cmd = ofKind<Instruction>(final, 'CMD');
    expect(cmd).toHaveLength(1);
    const words = JSON.parse(cmd[0]!.getArgumentsContent() ?? '') as string[];
    expect(words).toEqual(['node', `services/${svc.name}/src/main.ts`]);
    expect(existsSync(repoPath(words[1]!))).toBe(true);
  });
});
