import { requireInfra } from '@tessera/testing';
import { describeBlobStoreContract } from './blob-store.contract';
import { S3BlobStore } from './s3-blob-store.adapter';

// Against the real S3 server that scripts/infra/start.sh runs (MinIO built from source).
describeBlobStoreContract('S3 (MinIO)', async () => {
  const infra = requireInfra();
  const endpoint = new URL(infra.s3Endpoint);
  return new S3BlobStore({
    endPoint: endpoint.hostname,
    port: Number(endpoint.port),
    useSSL: false,
    accessKey: infra.s3AccessKey,
    secretKey: infra.s3SecretKey,
    region: 'us-east-1',
    bucket: 'tessera-contract',
    partSizeBytes: 5 * 1024 * 1024,
    // Small, so that deleteMany's cases span several DeleteObjects requests.
    deleteBatchSize: 3,
  });
});
