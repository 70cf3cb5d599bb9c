// Lint keeps the rooms of DESIGN.md apart: a gateway never imports an actor, an actor never
// imports a gateway, and the domain imports nothing of ours. Only src/app wires them together.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const room = (files, forbidden, why, allowTypeImports = false) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: [{ group: forbidden, message: why, allowTypeImports }] },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.build/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // A gateway implements ports, and some ports live next to the actors that use them: a gateway
  // may import a port file (OrderStore and its errors) and the types it refers to, never an
  // actor's code.
  room(['src/gateways/**'], ['**/actors/**', '!**/actors/orderStore.js', '!**/actors/taskStore.js', '!**/streams/dedupStore.js', '**/app/**'], 'A gateway implements ports; only src/app wires it to actors.', true),
  room(['src/actors/**'], ['**/gateways/**', '**/app/**'], 'An actor sees ports, never a gateway; only src/app wires them.'),
  room(['src/streams/**'], ['**/gateways/**', '**/actors/**', '**/app/**'], 'Operators see the domain and port types only.'),
  room(['src/domain/**'], ['../*', '../**', '!./**'], 'The domain is pure: it imports nothing of ours outside src/domain.'),
);
