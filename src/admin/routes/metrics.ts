/** /metrics: Prometheus text (no token; bind --admin to loopback or firewall it). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AdminMetrics } from '../metrics.js';

const metrics: FastifyPluginAsyncTypebox<{ metrics: AdminMetrics }> = async (fastify, opts) => {
  fastify.get(
    '/metrics',
    {
      schema: {
        tags: ['process'],
        summary: 'Prometheus metrics (no token)',
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }) },
      },
    },
    async (_request, reply) => {
      const text = await opts.metrics.text();
      return reply.type(opts.metrics.contentType).send(text);
    },
  );
};

export default metrics;
