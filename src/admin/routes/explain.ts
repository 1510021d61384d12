/**
 * /api/v1/explain: how a query would be answered (zone, pool, eligible members, choice, TTL, ECS
 * scope), computed on a private copy of the balancing state so it never moves the live rotation.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MeridianError } from '../../errors.js';
import { errors, ExplainQuery, ExplainResultSchema } from '../schemas.js';

const explain: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      schema: {
        tags: ['explain'],
        summary: 'Explain a query: GET /api/v1/explain?name=api.lb.example.test&type=A&subnet=203.0.113.0/24',
        querystring: ExplainQuery,
        response: { 200: ExplainResultSchema, ...errors(400, 401) },
      },
    },
    async (request) => {
      try {
        return fastify.meridian.explain(request.query);
      } catch (err) {
        throw asRequestError(err);
      }
    },
  );
};

/**
 * explain() reports a bad parameter as "type: unknown record type …" without a field: name the
 * query parameter, so the problem reads like every other invalid input.
 */
function asRequestError(err: unknown): unknown {
  if (!(err instanceof MeridianError) || err.problems.length > 0 || err.httpStatus !== 400) return err;
  const m = /^(name|type|client|subnet): (.*)$/s.exec(err.message);
  const field = m ? `querystring.${m[1]}` : 'querystring.name';
  return new MeridianError('REQUEST_INVALID', err.message, [{ field, message: m ? m[2] : err.message }]);
}

export default explain;
