import { z } from 'zod';
import { rfc3339DateTime } from '../../domain/dateTime.js';
import type { TaskJson } from '../taskStore.js';
import { PermanentTaskError, type JobHandler } from './jobHandler.js';
import type { OrderScan } from './orderScan.js';
import { createOrderReport } from './orderReport.js';

/** What a `report` task carries: the range of order creation times, `[from, to)`. */
export const reportInput = z
  .strictObject({ from: rfc3339DateTime.optional(), to: rfc3339DateTime.optional() })
  .refine((r) => r.from === undefined || r.to === undefined || Date.parse(r.from) <= Date.parse(r.to), { message: 'from must not be after to' });
export type ReportInput = z.infer<typeof reportInput>;

/**
 * The `report` job: scans the stored orders and returns counts by status and revenue by currency
 * over the range (`createOrderReport`), stored as the task's result.
 */
export function createReportJob(deps: { readonly orders: OrderScan }): JobHandler {
  return {
    async run(input, context) {
      const parsed = reportInput.safeParse(input ?? {});
      if (!parsed.success) throw new PermanentTaskError(`invalid report payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`);
      const report = createOrderReport(parsed.data);
      for await (const record of deps.orders.scan()) {
        // A report that the worker was told to give up on stops reading; the task is handed back.
        if (context.signal.aborted) throw context.signal.reason;
        report.add(record);
      }
      return report.result() as unknown as TaskJson;
    },
  };
}
