import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import type { AppRouter } from '../trpc/routers/_app';

export const REST_BASE = '/api/v1';

export function buildOpenApiDocument(router: AppRouter): OpenAPIObject {
  return generateOpenApiDocument(router, {
    title: 'Frookoon API',
    description:
      'Orders and stock for the Frookoon marketplace. Every error is an RFC 9457 problem (application/problem+json) ' +
      'with a stable `error_code`. Send `Authorization: Bearer <token>` (or `Token <token>`).',
    version: '1.0.0',
    openApiVersion: '3.1.0',
    baseUrl: REST_BASE,
    securitySchemes: { Authorization: { type: 'http', scheme: 'bearer' } },
  });
}
