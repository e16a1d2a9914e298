import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { ERROR_CODES, PROBLEM_CONTENT_TYPE } from '@frookoon/contract';
import type { AppRouter } from '../trpc/routers/_app';

export const REST_BASE = '/api/v1';

type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];

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
  },
};

/**
 * trpc-to-openapi describes errors with its own shape; the REST face answers problem details instead, so every
 * error response of the document is rewritten to `application/problem+json` with the one problem schema.
 */
function describeProblems(doc: OpenAPIObject): OpenAPIObject {
  const schemas = Object.fromEntries(Object.entries(doc.components?.schemas ?? {}).filter(([name]) => !name.startsWith('error.')));
  doc.components = { ...doc.components, schemas: { ...schemas, ProblemDetails: PROBLEM_SCHEMA } };
  for (const item of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(item as Record<string, { responses?: Record<string, { description?: string; content?: unknown }> }>)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (!/^[45]\d\d$/.test(status)) continue;
        operation.responses![status] = {
          description: response.description ?? 'Error',
          content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDetails' } } },
        };
      }
    }
  }
  return doc;
}

export function buildOpenApiDocument(router: AppRouter): OpenAPIObject {
  return describeProblems(
    generateOpenApiDocument(router, {
      title: 'Frookoon API',
      description:
        'Orders and stock for the Frookoon marketplace. Every error is an RFC 9457 problem (application/problem+json) ' +
        'with a stable `error_code`. Send `Authorization: Bearer <token>` (or `Token <token>`).',
      version: '1.0.0',
      openApiVersion: '3.1.0',
      baseUrl: REST_BASE,
      securitySchemes: { Authorization: { type: 'http', scheme: 'bearer' } },
    }),
  );
}
