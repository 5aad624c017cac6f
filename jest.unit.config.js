// Unit tier: beside the code, on in-memory ports; no external process needed.
module.exports = { ...require('./jest.base.config.js'), displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,services}/**/*.spec.ts'] };
