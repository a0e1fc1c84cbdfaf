// Finds (or starts) the real Kafka broker and ClickHouse server once for the integration
// and end-to-end tests, and hands their addresses to the test files. If neither the
// environment, a Docker engine nor the native stack gives them, the run fails here, loudly.
import { resolveStack } from '@soc/devkit';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    clickhouseUrl: string;
    /** where they came from: only the native stack can be stopped by a test */
    stackSource: 'environment' | 'testcontainers' | 'native';
  }
}

export default async function setup(project: TestProject) {
  const stack = await resolveStack();
  console.log(
    `integration tests use Kafka ${stack.kafkaBrokers} and ClickHouse ${stack.clickhouseUrl} (${stack.source})`,
  );
  project.provide('kafkaBrokers', stack.kafkaBrokers);
  project.provide('clickhouseUrl', stack.clickhouseUrl);
  project.provide('stackSource', stack.source);
  return async () => {
    await stack.stop();
  };
}
