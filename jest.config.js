// Runs every project's tests in one Jest process pool; scripts/test.sh selects unit,
// integration or end-to-end files with --testPathPattern.
module.exports = {
  projects: ['<rootDir>/apps/*/jest.config.js', '<rootDir>/libs/*/jest.config.js'],
  globalSetup: '<rootDir>/libs/testing/jest/global-setup.js',
  globalTeardown: '<rootDir>/libs/testing/jest/global-teardown.js',
  testTimeout: 60_000,
};
