// The suite on Jest, with the project's TypeScript as it is: no transform, Node strips the types
// (npm test runs Jest on the pinned Node with --experimental-vm-modules for ES modules).
export default {
  testEnvironment: 'node',
  transform: {},
  extensionsToTreatAsEsm: ['.ts', '.tsx'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'json'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // One PostgreSQL server and a template database for the whole run; each file clones its own.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/matchers.ts'],
  // The longest files first, from durations a whole run measured (Jest knows them only from a cache).
  testSequencer: '<rootDir>/test/support/sequencer.ts',
  // End-to-end tests start servers, browsers and whole runs: a test has as long as it needs.
  testTimeout: 600_000,
  maxWorkers: 4,
  // A worker that ran a file is replaced by a new process (any worker holds more than this):
  // each file gets a fresh process, as with node --test, so what a file leaves running (a pool's
  // timers, an app's polls, a server) cannot slow the files after it or pile up.
  workerIdleMemoryLimit: '1MB',
};
