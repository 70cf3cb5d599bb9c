import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, settings } from '../../src/app/config.js';

// Docker does not run on the project's machines, so docker-compose.yml and the Dockerfile are
// checked here against what Orderly really reads: the settings table of src/app/config.ts.

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

interface Service {
  readonly build?: string | { readonly context?: string; readonly dockerfile?: string };
  readonly ports?: readonly (string | number | { readonly target: number; readonly published?: number | string; readonly host_ip?: string })[];
  readonly environment?: Readonly<Record<string, string | number | boolean | null>> | readonly string[];
  readonly healthcheck?: { readonly test?: string | readonly string[]; readonly disable?: boolean };
  readonly depends_on?: Readonly<Record<string, { readonly condition?: string }>> | readonly string[];
}
const services = (parse(read('docker-compose.yml')) as { services: Record<string, Service> }).services;
const BROKERS = { kafka: 'KAFKA_BROKERS', nats: 'NATS_URL', rabbitmq: 'AMQP_URL', redis: 'REDIS_URL' } as const;

/** The value, or a failure that says what was missing. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing: ${what}`);
  return value;
}
const service = (name: string): Service => must(services[name], `service ${name}`);

/** Compose's `$$`, `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`. */
function interpolate(text: string, shell: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)/g, (match: string, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = shell[name];
    const unset = op?.startsWith(':') ? !value : value === undefined;
    if (op?.endsWith('-')) return unset ? arg! : value!;
    if (op?.endsWith('?') && unset) throw new Error(`docker compose would stop: ${name}: ${arg}`);
    return value ?? '';
  });
}

/** The environment a service's container gets, given the shell `docker compose` runs in. */
function environmentOf(name: string, shell: Readonly<Record<string, string>> = {}): Record<string, string> {
  const given = service(name).environment ?? {};
  const entries: [string, string | undefined][] = Array.isArray(given)
    ? given.map((item: string) => (item.includes('=') ? [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)] : [item, undefined]))
    : Object.entries(given).map(([key, value]) => [key, value === null ? undefined : String(value)]);
  // A name without a value passes the shell's through, and is left out when the shell has none.
  return Object.fromEntries(
    entries.flatMap(([key, value]): [string, string][] => (value === undefined ? (shell[key] === undefined ? [] : [[key, shell[key]]]) : [[key, interpolate(value, shell)]])),
  );
}

/** `[ip:]host:container[/proto]` and the long syntax, as host IP, host port, container port. */
function published(name: string): { hostIp: string; hostPort: number; containerPort: number }[] {
  return (service(name).ports ?? []).map((port) => {
    if (typeof port === 'object') return { hostIp: port.host_ip ?? '0.0.0.0', hostPort: Number(port.published ?? port.target), containerPort: port.target };
    const parts = String(port).split('/')[0]!.split(':');
    const containerPort = Number(parts.at(-1));
    return { hostIp: parts.length === 3 ? parts[0]! : '0.0.0.0', hostPort: parts.length > 1 ? Number(parts.at(-2)) : containerPort, containerPort };
  });
}

/** The first address of a broker setting (`host:port` or a URL). */
function address(value: string): { hostname: string; port: number } {
  const first = value.split(',')[0]!;
  const url = new URL(first.includes('://') ? first : `tcp://${first}`);
  return { hostname: url.hostname, port: Number(url.port) };
}

/** Kafka's `NAME://host:port,...` (host empty: every interface) by listener name. */
function listeners(value: string | undefined): Map<string, { hostname: string; port: number }> {
  return new Map(
    (value ?? '').split(',').flatMap((item) => {
      const match = /^(\w+):\/\/([^:]*):(\d+)$/.exec(item.trim());
      return match ? [[match[1]!, { hostname: match[2]!, port: Number(match[3]) }] as const] : [];
    }),
  );
}

/** The ports a broker's container listens on that other containers can use. */
const listensOn = (name: string) => [...published(name).map((p) => p.containerPort), ...[...listeners(environmentOf(name).KAFKA_LISTENERS).values()].map((l) => l.port)];

const SECRET = 'a-secret-of-at-least-32-bytes-for-tests';

describe('docker compose - services', () => {
  it('brings up Kafka, NATS, RabbitMQ, Redis and Orderly', () => {
    expect(Object.keys(services).sort()).toEqual(['kafka', 'nats', 'orderly', 'rabbitmq', 'redis']);
  });

  it('gives every service a health check', () => {
    for (const [name, { healthcheck }] of Object.entries(services)) {
      expect(healthcheck?.disable, name).not.toBe(true);
      expect(healthcheck?.test?.length, name).toBeGreaterThan(0);
    }
    expect(String(service('orderly').healthcheck?.test)).toContain('/readyz');
  });

  it('starts Orderly only once every broker is healthy', () => {
    const dependsOn = service('orderly').depends_on;
    expect(Array.isArray(dependsOn), 'the short form only waits for a start').toBe(false);
    for (const broker of Object.keys(BROKERS)) expect((dependsOn as Record<string, { condition?: string }>)[broker]?.condition, broker).toBe('service_healthy');
  });
});

describe('docker compose - ports', () => {
  it.each(Object.entries(BROKERS))('publishes %s on the host where %s points by default', (name, setting) => {
    const { hostname, port } = address(settings[setting].default);
    expect(published(name)).toContainEqual(expect.objectContaining({ hostIp: hostname, hostPort: port }));
  });

  it('publishes Orderly on the host at the default PORT, from the PORT it listens on', () => {
    const env = environmentOf('orderly');
    expect(published('orderly')).toContainEqual({ hostIp: '127.0.0.1', hostPort: Number(settings.PORT.default), containerPort: Number(env.PORT) });
  });

  it('advertises each Kafka address on a listener that address reaches', () => {
    const kafka = environmentOf('kafka');
    const listening = listeners(kafka.KAFKA_LISTENERS);
    const advertised = listeners(kafka.KAFKA_ADVERTISED_LISTENERS);
    expect(advertised.size).toBeGreaterThanOrEqual(2);
    for (const [name, { hostname, port }] of advertised) {
      const own = must(listening.get(name), `KAFKA_LISTENERS entry for advertised ${name}`);
      // By service name: the container's own port; anything else comes through a published port.
      if (hostname === 'kafka') expect(own.port, name).toBe(port);
      else expect(published('kafka'), name).toContainEqual({ hostIp: hostname, hostPort: port, containerPort: own.port });
    }
    const addresses = [...advertised.values()].map(({ hostname, port }) => `${hostname}:${port}`);
    expect(addresses, 'containers: what Orderly uses').toContain(environmentOf('orderly').KAFKA_BROKERS);
    expect(addresses, 'the host: the default').toContain(settings.KAFKA_BROKERS.default);
  });
});

describe('docker compose - Orderly environment', () => {
  it('gives Orderly only variables that are settings of src/app/config.ts', () => {
    const unknown = Object.keys(environmentOf('orderly', { ORDERLY_JWT_SECRET: SECRET })).filter((name) => !(name in settings));
    expect(unknown).toEqual([]);
  });

  it('loads through the config parser, with nothing set in the shell or with a secret', () => {
    const config = loadConfig(environmentOf('orderly'));
    expect(config.HOST, 'inside a container').toBe('0.0.0.0');
    expect(config.ORDERLY_STORE).toBe('redis');
    expect([...config.ORDERLY_SOURCES].sort()).toEqual(['kafka', 'nats', 'rabbitmq', 'redis']);
    expect(config.ORDERLY_JWT_SECRET, 'unset: Orderly makes its own').toBeUndefined();
    expect(loadConfig(environmentOf('orderly', { ORDERLY_JWT_SECRET: SECRET })).ORDERLY_JWT_SECRET).toBe(SECRET);
  });

  it('takes the JWT secret from the shell, never from the file', () => {
    const environment = service('orderly').environment as Record<string, unknown>;
    expect(environment.ORDERLY_JWT_SECRET).toMatch(/^\$\{ORDERLY_JWT_SECRET[:?}-]/);
  });

  it.each(Object.entries(BROKERS))('reaches %s by its service name through %s', (name, setting) => {
    const { hostname, port } = address(must(environmentOf('orderly')[setting], `${setting} of orderly`));
    expect(hostname).toBe(name);
    expect(listensOn(name)).toContain(port);
  });
});

describe('Dockerfile', () => {
  // Continuation lines joined, comments dropped, then cut into stages at each FROM.
  const lines = read('Dockerfile').replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  const stages = lines.reduce<string[][]>((all, line) => (/^FROM\s/i.test(line) ? [...all, [line]] : (all.at(-1)?.push(line), all)), []);
  const runtime = stages.at(-1) ?? [];
  const instruction = (stage: readonly string[], name: string) => stage.filter((line) => line.toUpperCase().startsWith(`${name} `)).map((line) => line.slice(name.length + 1).trim());
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; bin: Record<string, string> };

  it('builds in one stage and runs in another with production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const buildStage = must(stages.find((stage) => instruction(stage, 'RUN').some((run) => run.includes('npm run build'))), 'a stage that runs npm run build');
    const buildName = must(/\bAS\s+(\S+)/i.exec(buildStage[0]!)?.[1], 'the build stage\'s name');
    expect(instruction(runtime, 'RUN').join(' ')).toContain('npm ci --omit=dev');
    expect(instruction(runtime, 'COPY').some((copy) => copy.startsWith(`--from=${buildName} /app/dist`))).toBe(true);
    expect(instruction(runtime, 'USER')).toEqual(['node']);
  });

  it('runs what `npm run build` compiles, as `npm start` does', () => {
    const cmd = JSON.parse(must(instruction(runtime, 'CMD')[0], 'CMD')) as string[];
    expect(pkg.scripts.start).toBe(cmd.join(' '));
    const script = cmd[1]!;
    // tsc: rootDir `.`, outDir `dist`, so dist/src/app/main.js comes from src/app/main.ts if the build includes src.
    expect(script).toMatch(/^dist\/src\/.*\.js$/);
    expect(existsSync(new URL(`../../${script.replace(/^dist\//, '').replace(/\.js$/, '.ts')}`, import.meta.url)), script).toBe(true);
    expect((JSON.parse(read('tsconfig.build.json')) as { include: string[] }).include).toContain('src');
    expect(instruction(runtime, 'COPY').some((copy) => script.startsWith(copy.split(/\s+/).at(-1)!.replace(/^\.\//, '')))).toBe(true);
    expect(instruction(runtime, 'RUN').join(' ')).toContain(`/app/${pkg.bin.orderly}`);
  });

  it('listens on every interface at the port it exposes, with settings Orderly knows, and checks /readyz', () => {
    const env = Object.fromEntries(instruction(runtime, 'ENV').map((line) => line.split('=') as [string, string]));
    expect(Object.keys(env).filter((name) => name !== 'NODE_ENV' && !(name in settings))).toEqual([]);
    expect(loadConfig(env).HOST).toBe('0.0.0.0');
    expect(instruction(runtime, 'EXPOSE')).toEqual([env.PORT]);
    expect(instruction(runtime, 'HEALTHCHECK').join(' ')).toContain('/readyz');
  });

  it('gets everything it copies past .dockerignore, and no host node_modules or dist', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
    const copied = lines.filter((line) => /^COPY\s/i.test(line) && !line.includes('--from=')).flatMap((line) => line.split(/\s+/).slice(1, -1));
    for (const path of copied) expect(ignored, path).not.toContain(path.replace(/\/$/, ''));
    expect(service('orderly').build).toBe('.');
  });
});
