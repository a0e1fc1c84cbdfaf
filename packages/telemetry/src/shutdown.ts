// Graceful shutdown: on SIGTERM/SIGINT run the registered steps in reverse order of
// registration (stop intake first, then drain, flush and commit, then close clients),
// each bounded by a timeout, then exit.
import type { Logger } from 'pino';

export function onShutdown(logger: Logger, timeoutMs = 25_000) {
  const steps: { name: string; run: () => Promise<void> | void }[] = [];
  let stopping = false;
  const controller = new AbortController();

  async function stop(signal: string) {
    if (stopping) return;
    stopping = true;
    controller.abort();
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    for (const step of [...steps].reverse()) {
      try {
        await step.run();
      } catch (err) {
        logger.error({ err, step: step.name }, 'shutdown step failed');
      }
    }
    logger.info('stopped');
    process.exit(0);
  }
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  return {
    signal: controller.signal,
    get stopping() {
      return stopping;
    },
    /** registered steps run in reverse order: register clients first, intake last */
    add(name: string, run: () => Promise<void> | void) {
      steps.push({ name, run });
    },
  };
}
