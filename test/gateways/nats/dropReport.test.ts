import { describe, expect, it } from 'vitest';
import { DropReport } from '../../../src/gateways/nats/dropReport.js';
import { FakeClock } from '../../support/fakeClock.js';
import { recordingLog } from './natsCoreTestKit.js';

const setup = () => {
  const clock = new FakeClock();
  const { log, lines } = recordingLog();
  let running = 0;
  const report = new DropReport({ log, clock, intervalMs: 1000, fields: { group: 'g' }, onDrop: (n) => (running += n) });
  return { clock, lines, report, running: () => running };
};

describe('DropReport - counted, logged, rate-limited', () => {
  it('logs the first drop at once and sums the next ones into one line per interval', () => {
    const { clock, lines, report, running } = setup();
    report.add('buffer-full');
    expect(lines).toHaveLength(1);
    for (let i = 0; i < 999; i++) report.add('buffer-full');
    report.add('drained', 5);
    expect(lines).toHaveLength(1);
    clock.advance(1000);
    expect(lines).toHaveLength(2);
    expect(lines[1]!.fields).toMatchObject({ group: 'g', dropped: { 'buffer-full': 999, drained: 5 }, droppedTotal: 1005 });
    expect(report.total).toBe(1005);
    expect(running()).toBe(1005);
    expect(clock.pending).toBe(0);
  });

  it('close reports the unreported tail and leaves no timer; a quiet report logs nothing', () => {
    const { clock, lines, report } = setup();
    report.add('buffer-full');
    report.add('buffer-full', 2);
    expect(clock.pending).toBe(1);
    report.close();
    expect(clock.pending).toBe(0);
    expect(lines.map((l) => l.fields['dropped'])).toEqual([{ 'buffer-full': 1 }, { 'buffer-full': 2 }]);
    report.close();
    report.add('stopped', 0);
    expect(lines).toHaveLength(2);
    report.add('retry-after-stop'); // after the end: at once, with no timer left behind
    expect(lines).toHaveLength(3);
    expect(clock.pending).toBe(0);
  });
});
