/**
 * Who may do what over HTTP (issue 6). A role is what the identity provider says a person or
 * service account is; a permission is what a route needs. The table below is the whole policy.
 */
export const ROLES = ['admin', 'radiologist', 'technologist', 'referring-physician', 'researcher', 'integration'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  /** Search and retrieve identified studies (QIDO-RS, WADO-RS, metadata). */
  'studies:read',
  /** Store instances (STOW-RS). */
  'studies:write',
  /** Read the modality worklist over REST. */
  'worklist:read',
  /** Schedule, change and remove worklist items over REST. */
  'worklist:write',
  /** Manage a tenant's configuration (AE titles) and read its operational records (rejections, commitments). */
  'tenant:manage',
  /** Search a tenant's audit trail and verify its hash chain. */
  'audit:read',
  /** De-identify a study into a research tenant. */
  'research:export',
  /** Share a study with one person (a referring physician, another hospital's radiologist) for a while. */
  'studies:share',
  /** Erase a patient with everything stored of it, and set or clear the legal hold that prevents it. */
  'patients:erase',
  /** Create, read and delete FHIR rest-hook Subscriptions (notifications when a study is available). */
  'subscriptions:manage',
  /** Delete studies, series and instances (DELETE on /dicomweb/studies/…); their objects are purged later. */
  'studies:delete',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a permission lets one do, in words for a refusal ("… has no role that may <this>"). */
export const PERMISSION_WORDS: Readonly<Record<Permission, string>> = {
  'studies:read': 'search or retrieve studies',
  'studies:write': 'store instances',
  'worklist:read': 'read the worklist',
  'worklist:write': 'change the worklist',
  'tenant:manage': "manage the tenant's configuration",
  'audit:read': "read the tenant's audit trail",
  'research:export': 'export studies de-identified for research',
  'studies:share': 'share studies',
  'patients:erase': 'erase patients or put them on legal hold',
  'subscriptions:manage': 'manage FHIR subscriptions',
  'studies:delete': 'delete studies, series or instances',
};

/**
 * The role → permission table. An administrator configures but reads no images (a person who does
 * both holds both roles). A referring physician sees only the studies shared with them (study
 * grants, which any caller may be given: the access guard admits them to those studies alone). A researcher sees de-identified data only: in research tenants, below.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: ['tenant:manage', 'audit:read', 'research:export', 'studies:share', 'patients:erase', 'subscriptions:manage', 'studies:delete'],
  radiologist: ['studies:read', 'studies:write', 'worklist:read', 'studies:share'],
  technologist: ['studies:read', 'studies:write', 'worklist:read', 'worklist:write'],
  'referring-physician': [],
  researcher: [],
  integration: ['studies:read', 'studies:write', 'worklist:read', 'worklist:write', 'subscriptions:manage'],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * What roles may do in a research tenant besides the above: such a tenant holds de-identified data
 * only (de-identified exports), so a researcher reads there — and only there.
 */
export const RESEARCH_TENANT_PERMISSIONS: Readonly<Partial<Record<Role, readonly Permission[]>>> = {
  researcher: ['studies:read'],
};

export function permits(roles: readonly Role[], permission: Permission, where: { readonly researchTenant: boolean } = { researchTenant: false }): boolean {
  return roles.some((role) => ROLE_PERMISSIONS[role].includes(permission) || (where.researchTenant && (RESEARCH_TENANT_PERMISSIONS[role] ?? []).includes(permission)));
}
