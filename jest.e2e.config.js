// End-to-end tier: a running Tessera (child process) in each mode, driven by real peers.
module.exports = {
  ...require('./jest.base.config.js'),
  displayName: 'e2e',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  testTimeout: 600_000,
  maxWorkers: 1,
};
