import {
  forEachOpenApiProcedure, generateOpenApiDocument, normalizePath, type OpenAPIObject, type OpenApiMeta, type OpenApiRouter,
} from 'trpc-to-openapi';
import { ERROR_CODES, PROBLEM_CONTENT_TYPE } from '@frookoon/contract';
import { DOCUMENTED_AS_REQUIRED } from '../domain/shared/schemas';
import { requiresToken } from '../trpc/procedures';
import type { AppRouter } from '../trpc/routers/_app';

export const REST_BASE = '/api/v1';

export type OperationMeta = NonNullable<OpenApiMeta['openapi']>;
type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];
type Operation = {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: { required?: string[] } }> };
  responses?: Record<string, { description?: string; content?: unknown; headers?: unknown }>;
};

/** An operation that declares a `Location` response header creates a resource (see `creates`). */
export function isCreation(openapi: OperationMeta): boolean {
  return openapi.responseHeaders?.shape.location !== undefined;
}

const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'RFC 9457 problem details; switch on `error_code`.',
  required: ['type', 'title', 'status', 'detail', 'instance', 'error_code', 'errors', 'retryable', 'request_id', 'timestamp'],
  properties: {
    type: { type: 'string', format: 'uri', examples: ['https://api.frookoon.com/errors/insufficient-stock'] },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    error_code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string', examples: ['items.0.quantity'] }, message: { type: 'string' } } },
    },
    retryable: { type: 'boolean' },
    request_id: { type: 'string' },
    timestamp: { type: 'string', format: 'date-time' },
    retryAfter: { type: 'integer', description: 'Seconds to wait before trying again (`RATE_LIMITED`); also sent as `Retry-After`' },
  },
};

/**
 * The router as the document generator sees it: the `protect` of each operation is whether its procedure
 * authenticates, so exactly the operations that need a token are secured, whatever their meta says.
 */
function protectedWhereAuthenticated(router: AppRouter): OpenApiRouter {
  const procedures: Record<string, unknown> = {};
  forEachOpenApiProcedure(router._def.procedures, ({ path, procedure, meta }) => {
    const openapi = { ...meta.openapi, protect: requiresToken(procedure) };
    procedures[path] = { ...procedure, _def: { ...procedure._def, meta: { ...meta, openapi } } };
  });
  return { ...router, _def: { ...router._def, procedures } } as OpenApiRouter;
}

function operations(doc: OpenAPIObject): Operation[] {
  return Object.values(doc.paths ?? {}).flatMap((item) => Object.values(item as Record<string, Operation>));
}

/**
 * trpc-to-openapi describes errors with its own shape; the REST face answers problem details instead, so every
 * error response of the document is rewritten to `application/problem+json` with the one problem schema.
 */
function describeProblems(doc: OpenAPIObject): void {
  const schemas = Object.fromEntries(Object.entries(doc.components?.schemas ?? {}).filter(([name]) => !name.startsWith('error.')));
  doc.components = { ...doc.components, schemas: { ...schemas, ProblemDetails: PROBLEM_SCHEMA } };
  for (const operation of operations(doc)) {
    for (const [status, response] of Object.entries(operation.responses ?? {})) {
      if (!/^[45]\d\d$/.test(status)) continue;
      operation.responses![status] = {
        description: response.description ?? 'Error',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDetails' } } },
      };
    }
  }
}

/** A creation answers `201 Created` (with its `Location` header) where the generator can only say 200. */
function describeCreations(doc: OpenAPIObject, router: AppRouter): void {
  forEachOpenApiProcedure(router._def.procedures, ({ meta: { openapi } }) => {
    if (!isCreation(openapi)) return;
    const operation = (doc.paths?.[normalizePath(openapi.path)] as Record<string, Operation>)[openapi.method.toLowerCase()]!;
    const { 200: created, ...errors } = operation.responses ?? {};
    operation.responses = { 201: created!, ...errors };
  });
}

/**
 * Required is what the server requires: fields that ask for it (see `requiredByService`) are listed as required,
 * and a request body is required only when it has a required field (path parameters made the generator say so
 * for bodies that may be left out).
 */
function describeRequired(doc: OpenAPIObject): void {
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const schema = node as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
    const properties = Object.entries(schema.properties ?? {});
    const asking = properties.filter(([, property]) => property[DOCUMENTED_AS_REQUIRED] === true).map(([name]) => name);
    if (asking.length > 0) {
      const required = new Set([...(schema.required ?? []), ...asking]);
      schema.required = properties.map(([name]) => name).filter((name) => required.has(name));
      for (const name of asking) delete schema.properties![name]![DOCUMENTED_AS_REQUIRED];
    }
    Object.values(node).forEach(visit);
  };
  visit(doc.paths);
  for (const { requestBody } of operations(doc)) {
    if (requestBody) requestBody.required = Object.values(requestBody.content ?? {}).some((media) => (media.schema?.required?.length ?? 0) > 0);
  }
}

export function buildOpenApiDocument(router: AppRouter): OpenAPIObject {
  const doc = generateOpenApiDocument(protectedWhereAuthenticated(router), {
    title: 'Frookoon API',
    description:
      'Orders and stock for the Frookoon marketplace. Every error is an RFC 9457 problem (application/problem+json) ' +
      'with a stable `error_code`. Send `Authorization: Bearer <token>` (or `Token <token>`) to the secured operations, ' +
      'and request bodies as `Content-Type: application/json`. A creation answers `201 Created` with a `Location`; ' +
      'a method a path does not support answers `405` (`METHOD_NOT_ALLOWED`) with an `Allow` header.',
    version: '1.0.0',
    openApiVersion: '3.1.0',
    baseUrl: REST_BASE,
    securitySchemes: { Authorization: { type: 'http', scheme: 'bearer' } },
  });
  describeProblems(doc);
  describeCreations(doc, router);
  describeRequired(doc);
  return doc;
}
