// ESLint (flat config): typescript-eslint's recommended rules, import hygiene and the layering of
// DESIGN.md (src/ knows no product; kamal/ imports neither registry/ nor observability/), and
// documentation on everything the package exports (JSDoc present, TSDoc well-formed).
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');
const jsdoc = require('eslint-plugin-jsdoc');
const tsdoc = require('eslint-plugin-tsdoc');

const documented = [
  'ExportNamedDeclaration > ClassDeclaration',
  'ExportNamedDeclaration > TSInterfaceDeclaration',
  'ExportNamedDeclaration > FunctionDeclaration',
  'ExportNamedDeclaration > TSEnumDeclaration',
  'ExportNamedDeclaration > TSTypeAliasDeclaration',
  'ExportNamedDeclaration > TSInterfaceDeclaration TSPropertySignature',
  'ExportNamedDeclaration > ClassDeclaration MethodDefinition[accessibility="public"][key.name!="constructor"]',
  'ExportNamedDeclaration > ClassDeclaration PropertyDefinition[accessibility="public"]',
];

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'out/', 'lib/', 'docs/api/', 'coverage/', 'examples/*/out/', '**/*.validator.js', '**/*.validator.d.ts'] },
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-duplicates': 'error',
      'import-x/first': 'error',
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './src', from: ['./constructs', './cli', './synth.ts'], message: 'src/ is the engine and knows no product (DESIGN.md)' },
            { target: './constructs', from: ['./cli', './synth.ts'], message: 'the construct library does not depend on the command or the estate' },
            { target: './constructs/kamal', from: ['./constructs/registry', './constructs/observability', './constructs/rails', './constructs/estate', './constructs/github'], message: 'kamal/ imports no other product (DESIGN.md)' },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts', 'constructs/**/*.ts', 'cli/**/*.ts'],
    plugins: { jsdoc, tsdoc },
    rules: {
      'jsdoc/require-jsdoc': ['error', { publicOnly: false, require: { FunctionDeclaration: false }, contexts: documented }],
      'tsdoc/syntax': 'error',
    },
  },
  {
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests load modules on purpose at run time: inside jest.isolateModules, after setting up the
    // process (umask, env), or a snapshot file by path.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
