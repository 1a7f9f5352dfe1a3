/**
 * The alerts API: list (filters, sort, paging, counts by rule), one alert, and the lifecycle
 * changes (acknowledge, assign, comment, close, reopen). Reading needs `alerts:read`, changing
 * `alerts:write`; the actor in the history is the token's principal. Bodies arrive as bytes (the
 * server's catch-all parser) and are parsed and validated here: 400 names the field and the
 * reason, 404 an unknown alert, 409 a change the alert's status does not allow.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AlertNotFoundError, type AlertManager } from './manager.js';
import { AlertStateError, CLOSE_REASONS } from './model.js';
import { alertQuerySchema } from './query.js';

export type AlertPermission = 'alerts:read' | 'alerts:write';

export interface AlertRouteDeps {
  alerts: AlertManager;
  authorize: (permission: AlertPermission) => (request: FastifyRequest, reply: FastifyReply) => boolean;
}

const idSchema = z.object({ id: z.string().regex(/^[0-9A-Za-z_-]{1,64}$/, 'malformed alert id') }).strict();

export const bodySchemas = {
  ack: z.object({}).strict(),
  reopen: z.object({}).strict(),
  assign: z
    .object({ assignee: z.string().max(200).describe('Who owns it; empty string unassigns.') })
    .strict(),
  comment: z.object({ text: z.string().trim().min(1).max(10_000) }).strict(),
  close: z
    .object({
      reason: z.enum(CLOSE_REASONS),
      note: z.string().max(10_000).default(''),
    })
    .strict(),
} as const;

/** A zod error as one message: `field: reason; field: reason`. */
export function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
}

/** The request body as JSON validated by `schema`; an empty body is `{}`. */
export function parseBody<T extends z.ZodType>(
  schema: T,
  body: unknown,
): { ok: true; value: z.infer<T> } | { ok: false; message: string } {
  let value: unknown = {};
  if (Buffer.isBuffer(body)) {
    const text = body.toString('utf8').trim();
    if (text !== '') {
      try {
        value = JSON.parse(text);
      } catch (error) {
        return { ok: false, message: `body is not JSON: ${(error as Error).message}` };
      }
    }
  } else if (body !== undefined && body !== null) value = body;
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, message: issuesText(parsed.error) };
}

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: 'bad_request', message });
}

export function registerAlertRoutes(app: FastifyInstance, deps: AlertRouteDeps): void {
  const read = deps.authorize('alerts:read');
  const write = deps.authorize('alerts:write');

  app.get('/api/v1/alerts', async (request, reply) => {
    if (!read(request, reply)) return reply;
    const parsed = alertQuerySchema.safeParse(request.query ?? {});
    if (!parsed.success) return badRequest(reply, issuesText(parsed.error));
    try {
      if (parsed.data.group_by === 'rule') return reply.send({ groups: deps.alerts.groups(parsed.data) });
      const { total, alerts } = deps.alerts.list(parsed.data);
      return reply.send({ total, offset: parsed.data.offset, limit: parsed.data.limit, alerts });
    } catch (error) {
      if (error instanceof RangeError) return badRequest(reply, error.message);
      throw error;
    }
  });

  app.get('/api/v1/alerts/:id', async (request, reply) => {
    if (!read(request, reply)) return reply;
    const params = idSchema.safeParse(request.params);
    if (!params.success) return badRequest(reply, issuesText(params.error));
    const alert = deps.alerts.get(params.data.id);
    if (!alert) return reply.code(404).send({ error: 'not_found', message: `no alert ${params.data.id}` });
    return reply.send(alert);
  });

  const change = <K extends keyof typeof bodySchemas>(
    action: K,
    run: (id: string, by: string, body: z.infer<(typeof bodySchemas)[K]>) => Promise<unknown>,
  ) =>
    app.post(`/api/v1/alerts/:id/${action}`, async (request, reply) => {
      if (!write(request, reply)) return reply;
      const params = idSchema.safeParse(request.params);
      if (!params.success) return badRequest(reply, issuesText(params.error));
      const body = parseBody(bodySchemas[action], request.body);
      if (!body.ok) return badRequest(reply, body.message);
      const by = request.principal?.name ?? 'unknown';
      try {
        return reply.send(await run(params.data.id, by, body.value as z.infer<(typeof bodySchemas)[K]>));
      } catch (error) {
        if (error instanceof AlertNotFoundError)
          return reply.code(404).send({ error: 'not_found', message: error.message });
        if (error instanceof AlertStateError)
          return reply.code(409).send({ error: 'conflict', message: error.message });
        throw error;
      }
    });

  change('ack', (id, by) => deps.alerts.acknowledge(id, by));
  change('assign', (id, by, body) => deps.alerts.assign(id, by, body.assignee));
  change('comment', (id, by, body) => deps.alerts.comment(id, by, body.text));
  change('close', (id, by, body) => deps.alerts.closeAlert(id, by, body.reason, body.note));
  change('reopen', (id, by) => deps.alerts.reopen(id, by));
}
