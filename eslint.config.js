// ESLint 9 flat config: typescript-eslint's recommended rules plus the import boundary that
// keeps the layers apart (docs/architecture.md). No formatting rules: style is not linted here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Plugins are the check types (checks/types/*) and the alert actions (actions/*). Only the
 * composition root may import them: the registries, the entry points (src/main.ts, the CLI)
 * and the config loader that builds the root schema from the registries. The rest of the
 * platform reaches plugins through their contracts: checks/check-type.ts + checks/registry.ts,
 * src/action.ts (the receiver-to-worker contract, in the platform) + actions/registry.ts, and
 * checks/types/base.ts (the common check base).
 */
const PLUGIN_IMPORT = [
  {
    regex: '(^|/)checks/types/(?!base\\.js$)',
    message:
      'Only the composition root (registries, src/main.ts, the CLI, src/config/load.ts) imports check types; go through checks/registry.ts or checks/check-type.ts.',
  },
  {
    regex: '(^|/)actions/(?!registry\\.js$)',
    message:
      'Only the composition root (registries, src/main.ts, the CLI, src/config/load.ts) imports actions; go through actions/registry.ts or src/action.ts.',
  },
];

const COMPOSITION_ROOT = ['src/main.ts', 'src/cli.ts', 'src/cli/**', 'src/config/load.ts', 'src/status/sections.ts'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.tmp/**', 'coverage/**', 'test-artifacts/**', '.bench-dist/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `let self; server = create(() => self.x()); self = new X(server)`: read in a callback before it is assigned.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: [...COMPOSITION_ROOT, '**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: PLUGIN_IMPORT }] },
  },
  {
    // The checks platform (runner, scheduler, state, metrics); checks/registry.ts is the root.
    files: ['checks/*.ts'],
    ignores: ['checks/registry.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^\\./types/(?!base\\.js$)', message: PLUGIN_IMPORT[0].message }, PLUGIN_IMPORT[1]] }],
    },
  },
  {
    // Node scripts in plain JavaScript (scripts/*.mjs).
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
  },
);
