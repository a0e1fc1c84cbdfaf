// Finds Kafka and ClickHouse for tests, benchmarks and the demo, in this order:
//   1. KAFKA_BROKERS / CLICKHOUSE_URL from the environment, when both are set;
//   2. testcontainers, when a Docker engine answers;
//   3. the native local stack (deploy/local/stack.sh up), which fetches and starts them.
// Whatever is chosen must answer, or this throws: tests never skip for want of them.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from './services.ts';

export interface StackEndpoints {
  kafkaBrokers: string;
  clickhouseUrl: string;
  source: 'environment' | 'testcontainers' | 'native';
  /** stops what this call started (nothing for the environment) */
  stop(): Promise<void>;
}

export const STACK_SCRIPT = join(REPO_ROOT, 'deploy', 'local', 'stack.sh');

export function nativeStack(command: 'up' | 'down' | 'status' | 'kafka-stop' | 'kafka-start'): void {
  execFileSync('bash', [STACK_SCRIPT, command], { stdio: 'inherit' });
}

export function nativeStackRunning(): boolean {
  try {
    execFileSync('bash', [STACK_SCRIPT, 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function dockerAnswers(): Promise<boolean> {
  const socket = process.env['DOCKER_HOST']?.startsWith('unix://')
    ? process.env['DOCKER_HOST'].slice('unix://'.length)
    : '/var/run/docker.sock';
  if (!process.env['DOCKER_HOST'] && !existsSync(socket)) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function withTestcontainers(): Promise<StackEndpoints> {
  const { GenericContainer, Wait } = await import('testcontainers');
  // the advertised listener must name the host port, so pick a free one and map it 1:1
  const kafkaPort = await freePort();
  const kafka = await new GenericContainer('apache/kafka:4.1.1')
    .withExposedPorts({ container: kafkaPort, host: kafkaPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://:${kafkaPort},CONTROLLER://:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${kafkaPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const clickhouse = await new GenericContainer('clickhouse/clickhouse-server:24.8')
    .withExposedPorts(8123)
    .withEnvironment({ CLICKHOUSE_SKIP_USER_SETUP: '1', TZ: 'UTC' })
    .withWaitStrategy(Wait.forHttp('/ping', 8123))
    .start();
  return {
    kafkaBrokers: `localhost:${kafkaPort}`,
    clickhouseUrl: `http://${clickhouse.getHost()}:${clickhouse.getMappedPort(8123)}`,
    source: 'testcontainers',
    async stop() {
      await Promise.all([kafka.stop(), clickhouse.stop()]);
    },
  };
}

export async function resolveStack(): Promise<StackEndpoints> {
  const envKafka = process.env['KAFKA_BROKERS'];
  const envClickhouse = process.env['CLICKHOUSE_URL'];
  let endpoints: StackEndpoints;
  if (envKafka && envClickhouse) {
    endpoints = {
      kafkaBrokers: envKafka,
      clickhouseUrl: envClickhouse,
      source: 'environment',
      stop: async () => {},
    };
  } else if (await dockerAnswers()) {
    endpoints = await withTestcontainers();
  } else {
    const wasRunning = nativeStackRunning();
    if (!wasRunning) nativeStack('up');
    endpoints = {
      kafkaBrokers: '127.0.0.1:9092',
      clickhouseUrl: 'http://127.0.0.1:8123',
      source: 'native',
      stop: async () => {
        if (!wasRunning && process.env['SOC_KEEP_STACK'] !== '1') nativeStack('down');
      },
    };
  }
  await assertReachable(endpoints);
  return endpoints;
}

async function assertReachable(endpoints: StackEndpoints): Promise<void> {
  const [host, port] = endpoints.kafkaBrokers.split(',')[0]!.split(':');
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: host!, port: Number(port) }, () => {
      socket.end();
      resolve();
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('error', (err) =>
      reject(
        new Error(
          `Kafka is not reachable at ${endpoints.kafkaBrokers} (${endpoints.source}): ${err.message}`,
        ),
      ),
    );
  });
  const res = await fetch(`${endpoints.clickhouseUrl}/ping`).catch((err: Error) => {
    throw new Error(
      `ClickHouse is not reachable at ${endpoints.clickhouseUrl} (${endpoints.source}): ${err.message}`,
    );
  });
  if (!res.ok) throw new Error(`ClickHouse at ${endpoints.clickhouseUrl} answered ${res.status} to /ping`);
}
