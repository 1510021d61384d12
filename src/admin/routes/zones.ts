/**
 * /api/v1/zones: list, read, create or replace, delete whole zones. A zone's body is the zone
 * file's shape as JSON; every answer about one zone carries its ETag.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { setEtag, writeOptions } from '../http.js';
import {
  errors,
  IfMatchHeaders,
  PutZoneResultSchema,
  ZoneBody,
  ZoneListSchema,
  ZoneParams,
  ZoneViewSchema,
} from '../schemas.js';
import { Type } from '@sinclair/typebox';

const tags = ['zones'];

const zones: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      schema: { tags, summary: 'List the zones served', response: { 200: ZoneListSchema, ...errors(401) } },
    },
    async () => ({ zones: await fastify.meridian.listZones() }),
  );

  fastify.get(
    '/:zone',
    {
      schema: {
        tags,
        summary: 'A zone: its document (the zone file as JSON), serial, ETag, and pools with member state',
        params: ZoneParams,
        response: { 200: ZoneViewSchema, ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const view = await fastify.meridian.getZone(request.params.zone);
      setEtag(reply, view.etag);
      return view;
    },
  );

  fastify.put(
    '/:zone',
    {
      schema: {
        tags,
        summary: 'Create or replace a whole zone (the zone file shape); 201 when created',
        params: ZoneParams,
        headers: IfMatchHeaders,
        body: ZoneBody,
        response: { 200: PutZoneResultSchema, 201: PutZoneResultSchema, ...errors(400, 401, 403, 409, 415) },
      },
    },
    async (request, reply) => {
      const result = await fastify.meridian.putZone(request.params.zone, request.body, writeOptions(request));
      setEtag(reply, result.etag);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  fastify.delete(
    '/:zone',
    {
      schema: {
        tags,
        summary: 'Stop serving a zone and delete its file',
        params: ZoneParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null({ description: 'deleted' }), ...errors(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await fastify.meridian.deleteZone(request.params.zone, writeOptions(request));
      return reply.code(204).send(null);
    },
  );
};

export default zones;
