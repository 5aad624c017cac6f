import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** Starts exporting traces over OTLP/HTTP; returns how to flush and stop. */
export function startTracing(serviceName: string, otlpEndpoint: string): () => Promise<void> {
  const sdk = new NodeSDK({ serviceName, traceExporter: new OTLPTraceExporter({ url: `${otlpEndpoint.replace(/\/$/, '')}/v1/traces` }) });
  sdk.start();
  return () => sdk.shutdown();
}
