import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on a spare local port in front of the real Redis: `cut()` drops every connection
 * through it at once and refuses new ones, as a consumer's host does when it dies or is
 * partitioned away (its process never gets to say goodbye).
 */
export async function tcpProxy(target: string): Promise<{ readonly url: string; cut(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const server = createServer((client) => {
    const upstream = connect(Number(port || 6379), hostname);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: local } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${local}`,
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
