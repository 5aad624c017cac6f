/** How a request finds its tenant (ARCHITECTURE §5). */
export interface TenantResolver {
  /** The tenant of a DIMSE association, from the AE titles; undefined when none matches. */
  forAssociation(calledAETitle: string, callingAETitle: string): string | undefined;
  /** The tenant of an HTTP request. */
  forHttp(headers: Readonly<Record<string, string | string[] | undefined>>): string;
}

/**
 * Every request goes to one configured tenant. This is the single-hospital setting; AE titles and
 * tokens mapping to tenants arrive with the security work, behind this same interface.
 */
export class SingleTenantResolver implements TenantResolver {
  constructor(
    private readonly tenant: string,
    private readonly aeTitle: string,
  ) {}

  forAssociation(calledAETitle: string): string | undefined {
    return calledAETitle === this.aeTitle ? this.tenant : undefined;
  }

  forHttp(): string {
    return this.tenant;
  }
}
