// End-to-end tier: a running Tessera (child process) in each mode, driven by real peers.
module.exports = {
  ...require('./jest.base.config.js'),
  displayName: 'e2e',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  // Builds dist/ first: these tests run the launcher as an operator does.
  globalSetup: '<rootDir>/test/e2e/support/global-setup.ts',
  testTimeout: 600_000,
  maxWorkers: 1,
};
