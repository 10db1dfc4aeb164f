// Jest runs this once after all test files (jest.config.js: globalTeardown).
import { globalTeardown } from './global-setup.ts';

export default globalTeardown;
