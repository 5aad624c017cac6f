import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

const tracer = trace.getTracer('tessera');

/** Runs `work` in a span; without a tracing SDK registered this costs next to nothing. */
export async function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>, parentTraceparent?: string, linkedTraceparents: readonly string[] = []): Promise<T> {
  const parent = parentTraceparent ? propagation.extract(context.active(), { traceparent: parentTraceparent }) : context.active();
  // Work done for several traces at once (a batch of events) links to each of them.
  const links = linkedTraceparents.flatMap((traceparent) => {
    const linked = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent }));
    return linked ? [{ context: linked }] : [];
  });
  return tracer.startActiveSpan(name, { attributes, links }, parent, async (span) => {
    try {
      return await work();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The W3C traceparent of the active span, to carry on events; undefined when tracing is off. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}
