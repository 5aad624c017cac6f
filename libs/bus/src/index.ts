export * from './bus.port';
export * from './kafka-event-bus.adapter';
export * from './memory-event-bus.adapter';
export * from './read-envelope';
