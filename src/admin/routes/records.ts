/**
 * /api/v1/zones/:zone/records: add one record, replace or delete an RRset (owner name and type).
 * Every change bumps the zone's SOA serial and answers with the new serial and ETag.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { setEtag, writeOptions } from '../http.js';
import { ChangeResultSchema, errors, IfMatchHeaders, RecordBody, RRsetBody, RRsetParams, ZoneParams } from '../schemas.js';

const tags = ['records'];

const records: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      schema: {
        tags,
        summary: 'Add one record (a zone file `records:` entry)',
        params: ZoneParams,
        headers: IfMatchHeaders,
        body: RecordBody,
        response: { 201: ChangeResultSchema, ...errors(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request, reply) => {
      const result = await fastify.meridian.addRecord(request.params.zone, request.body, writeOptions(request));
      setEtag(reply, result.etag);
      return reply.code(201).send(result);
    },
  );

  fastify.put(
    '/:name/:type',
    {
      schema: {
        tags,
        summary: 'Replace the RRset NAME/TYPE with these records (name and type come from the URL)',
        params: RRsetParams,
        headers: IfMatchHeaders,
        body: RRsetBody,
        response: { 200: ChangeResultSchema, ...errors(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request, reply) => {
      const { zone, name, type } = request.params;
      const result = await fastify.meridian.replaceRRset(zone, name, type, request.body.records, writeOptions(request));
      setEtag(reply, result.etag);
      return result;
    },
  );

  fastify.delete(
    '/:name/:type',
    {
      schema: {
        tags,
        summary: 'Delete the RRset NAME/TYPE',
        params: RRsetParams,
        headers: IfMatchHeaders,
        response: { 200: ChangeResultSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { zone, name, type } = request.params;
      const result = await fastify.meridian.deleteRRset(zone, name, type, writeOptions(request));
      setEtag(reply, result.etag);
      return result;
    },
  );
};

export default records;
