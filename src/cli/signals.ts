import type { Logger } from '../telemetry/log.js';
import { Exit } from './exit.js';

/**
 * Wait for SIGTERM or SIGINT, then stop gracefully (drain in-flight batches). SIGHUP, when a
 * `reload` is given, re-reads the configuration; a bad one is reported and the old one stays.
 */
export async function waitForSignal(
  log: Logger,
  stop: () => Promise<void>,
  reload?: () => Promise<unknown>,
): Promise<void> {
  let reloading = Promise.resolve();
  const onHup = () => {
    reloading = reloading.then(() =>
      reload!().then(
        () => undefined,
        (error: unknown) => log.error({ err: error }, 'configuration not reloaded; the running one stays'),
      ),
    );
  };
  if (reload) process.on('SIGHUP', onHup);
  await new Promise<void>((resolve) => {
    const handler = (signal: string) => {
      log.info({ signal }, 'stopping: draining in-flight batches');
      stop().then(resolve, (error: unknown) => {
        log.error({ err: error }, 'unclean stop');
        process.exitCode = Exit.Failure;
        resolve();
      });
    };
    process.once('SIGTERM', () => handler('SIGTERM'));
    process.once('SIGINT', () => handler('SIGINT'));
  });
  process.off('SIGHUP', onHup);
}
