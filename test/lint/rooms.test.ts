import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The lint rule that keeps DESIGN.md's rooms apart, checked on code it must refuse and code it
// must let through. Files are linted as if they stood at the given path; nothing is written.
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('lint - rooms', () => {
  it.each([
    ['a gateway importing an actor', 'src/gateways/memory/x.ts', "import { orderActor } from '../../actors/orderActor.js';\nexport const x = orderActor;\n"],
    ['an actor importing a gateway', 'src/actors/x.ts', "import { createMemoryBroker } from '../gateways/memory/index.js';\nexport const x = createMemoryBroker;\n"],
    ['the domain importing the streams', 'src/domain/x.ts', "import type { Delivery } from '../streams/delivery.js';\nexport type X = Delivery;\n"],
    ['an operator importing an actor', 'src/streams/x.ts', "import { OrderRegistry } from '../actors/orderRegistry.js';\nexport const x = OrderRegistry;\n"],
  ])('refuses %s', async (_name, filePath, code) => {
    expect(await restricted(filePath, code)).toHaveLength(1);
  }, 30_000);

  it.each([
    ['a gateway implementing the OrderStore port', 'src/gateways/memory/x.ts', "import { VersionConflictError } from '../../actors/orderStore.js';\nexport const x = VersionConflictError;\n"],
    ['the composition root wiring both', 'src/app/x.ts', "import { orderActor } from '../actors/orderActor.js';\nimport { createMemoryBroker } from '../gateways/memory/index.js';\nexport const x = [orderActor, createMemoryBroker];\n"],
    ['an actor importing the domain', 'src/actors/x.ts', "import { EVENT_TYPES } from '../domain/orderEvents.js';\nexport const x = EVENT_TYPES;\n"],
  ])('allows %s', async (_name, filePath, code) => {
    expect(await restricted(filePath, code)).toEqual([]);
  }, 30_000);
});
