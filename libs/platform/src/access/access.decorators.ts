import { SetMetadata } from '@nestjs/common';
import type { Permission } from '@tessera/identity';

export const ACCESS = 'tessera:access';

/** What a route asks of its caller: a permission, or nothing at all (health probes, the provider's own endpoints). */
export type AccessRequirement = Permission | 'public';

/** The permission a controller's routes (or one route) need; a route without one is refused to everyone. */
export const Requires = (permission: Permission): MethodDecorator & ClassDecorator => SetMetadata(ACCESS, permission);

/** A route anyone may call without a token. Only for what carries no patient or tenant data. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS, 'public' satisfies AccessRequirement);

export const SHAREABLE = 'tessera:shareable';

/**
 * A `studies:read` route that honours study grants: a grantee reaches it for the studies shared with
 * them (a route with :study), and a search on it answers from those studies only (the handler
 * restricts it with `grantedStudiesOf`). Routes without it are closed to grantees.
 */
export const Shareable = (): MethodDecorator & ClassDecorator => SetMetadata(SHAREABLE, true);
