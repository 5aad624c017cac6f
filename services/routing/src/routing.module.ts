import { Module } from '@nestjs/common';

/**
 * The routing role: auto-forwarding and prefetch rules with per-destination delivery queues. Its
 * features arrive with the routing work; until then it runs as an empty role so that deployments,
 * health checks and scaling are in place.
 */
@Module({})
export class RoutingModule {}
