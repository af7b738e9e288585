import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/**', 'pwa/dist/**', '.data/**', 'test-artifacts/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Tests read JSON responses; asserting on them is the point, typing every one is noise.
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The folders are the dependency graph: pwa → core ← runtime ← api. Every arrow is linted.
    files: ['workflows/runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/api/**', '../api/*'], message: 'runtime must not import the HTTP edge (api/).' },
            {
              group: ['**/fixtures/**'],
              message: 'only composition roots (api/server.ts, api/cli, tests, bench) import fixtures/.',
            },
            { group: ['**/pwa/**'], message: 'runtime must not import the PWA.' },
            { group: ['**/test/**'], message: 'runtime must not import test helpers.' },
          ],
        },
      ],
    },
  },
  {
    // Runtime tests drive the vendor clients against the fake vendors in test/fakes (and nothing else of test/).
    files: ['workflows/runtime/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/api/**', '../api/*'], message: 'runtime must not import the HTTP edge (api/).' },
            {
              group: ['**/fixtures/**'],
              message: 'only composition roots (api/server.ts, api/cli, tests, bench) import fixtures/.',
            },
            { group: ['**/pwa/**'], message: 'runtime must not import the PWA.' },
            {
              group: ['**/test/*', '!**/test/fakes'],
              message: 'runtime tests may import only test/fakes.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['api/**/*.ts'],
    ignores: ['api/server.ts', 'api/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/fixtures/**'],
              message: 'only composition roots (api/server.ts, api/cli) import fixtures/.',
            },
            {
              group: ['**/test/**', '**/bench/**'],
              message: 'the HTTP edge must not import tests or benchmarks.',
            },
            { group: ['**/pwa/**'], message: 'the server must not import the PWA.' },
          ],
        },
      ],
    },
  },
  {
    // Routes validate, call and serialise: SQL lives in workflows/runtime/store (functions named by intent).
    files: ['api/routes/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TaggedTemplateExpression[tag.name=/^(sql|q|tx)$/]',
          message: 'No SQL in api/routes: add an intent-named function to workflows/runtime/store/.',
        },
        {
          selector: "TaggedTemplateExpression[tag.type='MemberExpression'][tag.property.name='sql']",
          message: 'No SQL in api/routes: add an intent-named function to workflows/runtime/store/.',
        },
        {
          selector: "TaggedTemplateExpression[tag.type='CallExpression'][tag.callee.name=/^(sql|q|tx)$/]",
          message: 'No SQL in api/routes: add an intent-named function to workflows/runtime/store/.',
        },
        {
          selector: "TaggedTemplateExpression[tag.type='CallExpression'][tag.callee.property.name='sql']",
          message: 'No SQL in api/routes: add an intent-named function to workflows/runtime/store/.',
        },
      ],
    },
  },
  {
    // Read models and exporters: pure functions of core values. What the screen receives, no IO.
    files: ['workflows/views/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['postgres', 'pg-boss', 'web-push', 'hono'],
          patterns: [
            { group: ['**/runtime/**', '../runtime/*'], message: 'views import only workflows/core.' },
            {
              group: ['**/api/**', '**/fixtures/**', '**/pwa/**', '**/test/**'],
              message: 'views import only workflows/core.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['fixtures/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/api/**', '**/test/**', '**/bench/**'],
              message: 'fixtures build on runtime and core only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/test/**'],
              message: 'bench must not import test/ (shared helpers live in bench/lib).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['pwa/**/*.ts', 'pwa/**/*.tsx'],
    ignores: ['pwa/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/runtime/**', '**/api/**', '**/fixtures/**'],
              message: 'the PWA imports only the pure core (workflows/core).',
            },
          ],
        },
      ],
    },
  },
  {
    // PWA unit tests may replay the scenario fixtures (tests are composition roots), nothing more.
    files: ['pwa/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/runtime/**', '**/api/**'],
              message: 'the PWA and its tests import only the pure core (workflows/core) and fixtures.',
            },
          ],
        },
      ],
    },
  },
  {
    // House style rule 1: the clinical core is pure. No IO, no clock, no randomness.
    files: ['workflows/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'postgres',
            'pg-boss',
            'web-push',
            'hono',
            '@hono/node-server',
            'node:fs',
            'node:crypto',
            'node:net',
            'node:http',
          ],
          patterns: ['hono/*', '../runtime/*', '../../api/*', '**/runtime/**', '**/api/**'],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Time is an argument in the pure core.',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Time is an argument in the pure core.',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'No randomness in the pure core.',
        },
        {
          selector: "CallExpression[callee.property.name='randomUUID']",
          message: 'Ids come in as arguments.',
        },
      ],
    },
  },
  {
    // Plain Node scripts outside the TypeScript project (scripts/fix-citations.mjs): untyped rules only.
    files: ['scripts/**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { console: 'readonly', process: 'readonly' },
    },
  },
)
