// Layer rules: which folder may import what. Dependencies point inward (functions → runtime → app → ports → domain);
// adapters sit beside the app and are wired only by the composition root in shared/runtime.
// Kept apart from eslint.config.js so test/lint/layers.test.ts can prove each rule bites.

/** @param {string} message @param {string} regex an import specifier that is refused */
const refuse = (regex, message) => ({ 'no-restricted-imports': ['error', { patterns: [{ regex, message }] }] });

/** @type {import('eslint').Linter.Config[]} */
export const layers = [
  {
    files: ['shared/domain/**/*.ts'],
    rules: refuse(
      '^(?!zod$|node:|\\./)',
      'shared/domain holds pure rules: it may import only zod, node: modules and itself.',
    ),
  },
  {
    files: ['shared/ports/**/*.ts'],
    rules: refuse('^(?!\\./|\\.\\./domain/)', 'shared/ports may import only shared/domain.'),
  },
  {
    files: ['shared/contracts/**/*.ts'],
    rules: refuse(
      '^(?!\\./|\\.\\./domain/|zod$)',
      'shared/contracts holds wire shapes and dialect mappings: it may import only shared/domain, zod and itself.',
    ),
  },
  {
    files: ['shared/app/**/*.ts'],
    rules: refuse(
      '^(?!\\./|\\.\\./domain/|\\.\\./ports/|zod$|node:)',
      'shared/app holds use cases over ports: it may import only domain, ports, zod and node: modules (no adapters, runtime, config or SDKs).',
    ),
  },
  {
    files: ['shared/adapters/**/*.ts'],
    rules: refuse(
      '(^|/)(runtime|app)/',
      'adapters implement ports; they must not import shared/runtime or shared/app.',
    ),
  },
  {
    files: ['functions/**/*.ts'],
    rules: refuse(
      '(^|/)shared/(adapters|ports)/',
      'functions are thin registrations: reach adapters and ports only through shared/runtime and shared/app.',
    ),
  },
];
