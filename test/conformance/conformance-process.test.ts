// The conformance suite with every provider's plugin in a child process.
import { dialects } from './dialects/index.js';
import { defineConformanceSuite } from './suite.js';

defineConformanceSuite(dialects, 'process');
