import { ocsfEvent, OcsfClass } from './ocsf.js';
import type { Normalizer } from './normalizer.js';

/** Lines in no known format become Base Events whose message is the line. */
export const textNormalizer: Normalizer = {
  name: 'text',
  accepts: (record) => record.format === 'text',
  normalize(record, ctx) {
    const event = ocsfEvent(
      OcsfClass.BaseEvent,
      { id: 0, name: 'Unknown' },
      { time: ctx.receivedAt, metadata: { product: { name: 'unknown' }, log_name: ctx.source } },
    );
    event.message = record.raw;
    return event;
  },
};
