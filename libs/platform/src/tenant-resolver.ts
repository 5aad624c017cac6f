import type { IncomingMessage } from 'node:http';

/** How a request finds its tenant (ARCHITECTURE §5). */
export interface TenantResolver {
  /** The tenant of a DIMSE association, from the called AE title; undefined when none matches. */
  forAssociation(calledAETitle: string, callingAETitle: string): string | undefined;
  /** The tenant of an HTTP request: from its /tenants/{id} prefix, else the default tenant. */
  forHttp(request: { readonly raw: IncomingMessage }): string;
  /** The path prefix that addresses a tenant's APIs ("" for the default tenant). */
  pathPrefix(request: { readonly raw: IncomingMessage }): string;
  /** Rewrites /tenants/{id}/… to /…, remembering the tenant; unknown tenants go to a path that 404s. */
  rewriteUrl(request: IncomingMessage): string;
}

const TENANT = Symbol('tessera.tenant');
const TENANT_PATH = /^\/tenants\/([^/?]+)(\/.*)?$/;

/**
 * Tenants and AE titles from the settings. This is the resolver before authentication exists: the
 * tenant comes from where the request is addressed. The security work adds tokens and AE registries
 * behind the same interface.
 */
export class ConfiguredTenantResolver implements TenantResolver {
  private readonly tenants: ReadonlySet<string>;

  constructor(
    private readonly defaultTenant: string,
    tenants: readonly string[],
    private readonly aeTitles: Readonly<Record<string, string>>,
  ) {
    this.tenants = new Set(tenants);
  }

  forAssociation(calledAETitle: string): string | undefined {
    return this.aeTitles[calledAETitle];
  }

  forHttp(request: { readonly raw: IncomingMessage }): string {
    return (request.raw as IncomingMessage & { [TENANT]?: string })[TENANT] ?? this.defaultTenant;
  }

  pathPrefix(request: { readonly raw: IncomingMessage }): string {
    const tenant = (request.raw as IncomingMessage & { [TENANT]?: string })[TENANT];
    return tenant === undefined ? '' : `/tenants/${tenant}`;
  }

  rewriteUrl(request: IncomingMessage): string {
    const url = request.url ?? '/';
    const match = TENANT_PATH.exec(url);
    if (!match) return url;
    const tenant = decodeURIComponent(match[1] as string);
    if (!this.tenants.has(tenant)) return '/unknown-tenant';
    (request as IncomingMessage & { [TENANT]?: string })[TENANT] = tenant;
    return match[2] ?? '/';
  }
}
