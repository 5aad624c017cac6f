// Integration tier: the real PostgreSQL, Kafka, S3 server, DCMTK and Python peers that scripts/infra starts.
module.exports = {
  ...require('./jest.base.config.js'),
  displayName: 'integration',
  testMatch: ['<rootDir>/{apps,libs,services}/**/*.int-spec.ts'],
  testTimeout: 120_000,
  maxWorkers: 2,
};
