import type { Logger } from '../telemetry/log.js';
import { Exit } from './exit.js';

/** Wait for SIGTERM or SIGINT, then stop gracefully (drain in-flight batches). */
export async function waitForSignal(log: Logger, stop: () => Promise<void>): Promise<void> {
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
}
