/**
 * /api/v1/zones/:zone/pools: a pool with its members' state; add, change and remove members;
 * drain and undrain; load figures pushed by an internal load balancer.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { setEtag, writeOptions } from '../http.js';
import {
  ChangeResultSchema,
  DrainResultSchema,
  errors,
  IfMatchHeaders,
  LoadBody,
  LoadPushResultSchema,
  MemberBody,
  MemberParams,
  MemberPatchBody,
  PoolParams,
  PoolViewSchema,
} from '../schemas.js';
import type { MemberPatch } from '../service.js';

const tags = ['pools'];

const pools: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/:pool',
    {
      schema: {
        tags,
        summary: 'A pool: algorithm, TTL, fallback, and each member with health, load, drain and eligibility',
        params: PoolParams,
        response: { 200: PoolViewSchema, ...errors(400, 401, 404) },
      },
    },
    async (request) => fastify.meridian.getPool(request.params.zone, request.params.pool),
  );

  fastify.post(
    '/:pool/members',
    {
      schema: {
        tags,
        summary: 'Add a member to the pool (a zone file `members:` entry)',
        params: PoolParams,
        headers: IfMatchHeaders,
        body: MemberBody,
        response: { 201: ChangeResultSchema, ...errors(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request, reply) => {
      const { zone, pool } = request.params;
      const result = await fastify.meridian.addMember(zone, pool, request.body, writeOptions(request));
      setEtag(reply, result.etag);
      return reply.code(201).send(result);
    },
  );

  fastify.patch(
    '/:pool/members/:member',
    {
      schema: {
        tags,
        summary: 'Change a member: weight, site, enabled, address, check-address (null removes site or check-address)',
        params: MemberParams,
        headers: IfMatchHeaders,
        body: MemberPatchBody,
        response: { 200: ChangeResultSchema, ...errors(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request, reply) => {
      const { zone, pool, member } = request.params;
      const result = await fastify.meridian.patchMember(zone, pool, member, request.body as MemberPatch, writeOptions(request));
      setEtag(reply, result.etag);
      return result;
    },
  );

  fastify.delete(
    '/:pool/members/:member',
    {
      schema: {
        tags,
        summary: 'Remove a member from the pool',
        params: MemberParams,
        headers: IfMatchHeaders,
        response: { 200: ChangeResultSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { zone, pool, member } = request.params;
      const result = await fastify.meridian.deleteMember(zone, pool, member, writeOptions(request));
      setEtag(reply, result.etag);
      return result;
    },
  );

  for (const [action, drained] of [['drain', true], ['undrain', false]] as const) {
    fastify.post(
      `/:pool/members/:member/${action}`,
      {
        schema: {
          tags,
          summary: drained
            ? 'Drain a member: no new answer names it; safeAfter says when it can be taken down (last answer + TTL)'
            : 'Undrain a member: answers may name it again',
          params: MemberParams,
          headers: IfMatchHeaders,
          response: { 200: DrainResultSchema, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const { zone, pool, member } = request.params;
        const result = await fastify.meridian.drain(zone, pool, member, drained, writeOptions(request));
        setEtag(reply, result.etag);
        return result;
      },
    );
  }

  fastify.put(
    '/:pool/members/:member/load',
    {
      schema: {
        tags,
        summary: "Push a member's current load (least-connections); it expires like a probed figure",
        params: MemberParams,
        body: LoadBody,
        response: { 200: LoadPushResultSchema, ...errors(400, 401, 403, 404, 415) },
      },
    },
    async (request) => {
      const { zone, pool, member } = request.params;
      return fastify.meridian.pushLoad(zone, pool, member, request.body, writeOptions(request).caller);
    },
  );
};

export default pools;
