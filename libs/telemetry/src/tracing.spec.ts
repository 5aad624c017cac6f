import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { currentTraceparent, inSpan } from './tracing';

describe('tracing across the bus', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => provider.register());
  afterAll(() => provider.shutdown());

  it('gives the active span as a W3C traceparent, and continues that trace from it elsewhere', async () => {
    const traceparent = await inSpan('dicom.c-store', {}, async () => currentTraceparent());
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await inSpan('index.instance-stored', {}, async () => undefined, traceparent);
    const [producer, consumer] = exporter.getFinishedSpans();
    expect(consumer?.spanContext().traceId).toBe(producer?.spanContext().traceId);
    expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
  });

  it('records a failure on the span and rethrows it', async () => {
    await expect(inSpan('failing', {}, async () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(exporter.getFinishedSpans().at(-1)?.status).toMatchObject({ code: 2, message: 'disk full' });
  });

  it('still runs the work when the tracer provider has shut down', async () => {
    await provider.shutdown();
    expect(await inSpan('quiet', {}, async () => 42)).toBe(42);
  });
});
