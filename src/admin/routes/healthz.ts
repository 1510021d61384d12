/** /healthz: is the process serving (no token). 503 while it is starting. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ProcessHealthSchema } from '../schemas.js';

const healthz: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/healthz',
    {
      schema: {
        tags: ['process'],
        summary: 'Process health (no token): 200 when serving, 503 while starting',
        response: { 200: ProcessHealthSchema, 503: ProcessHealthSchema },
      },
    },
    async (_request, reply) => {
      const health = fastify.meridian.health();
      return reply.code(health.status === 'starting' ? 503 : 200).send(health);
    },
  );
};

export default healthz;
