import { invokeRegistered, registeredFunctions, triggerBinding } from './core-api.js';
import { parseNcrontab } from './ncrontab.js';
import { flushOutputs } from './signalr-extension.js';

export interface TimerDriverOptions {
  now?: () => Date;
  onError?: (fn: string, error: unknown) => void;
}

/**
 * The timer trigger of the local host: each timerTrigger registration runs on its NCRONTAB schedule (UTC), one
 * run at a time per function (on Azure a blob lease gives the same), with `runOnStartup` honoured. A run that
 * starts later than its slot (the previous one overran) is `isPastDue`.
 */
export class TimerTriggerDriver {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  private readonly now: () => Date;
  private readonly onError: (fn: string, error: unknown) => void;

  constructor(opts: TimerDriverOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    this.onError =
      opts.onError ?? ((fn, e) => console.error(`[${fn}] timer failed:`, e instanceof Error ? e.message : e));
  }

  start(): void {
    for (const reg of registeredFunctions()) {
      const [triggerName, t] = triggerBinding(reg);
      if (t.type?.toLowerCase() !== 'timertrigger') continue;
      const schedule = parseNcrontab(String(t.schedule));
      let last: Date | undefined;
      const run = async (slot: Date) => {
        const started = this.now();
        const next = schedule.next(started);
        const input = {
          Schedule: { AdjustForDST: true },
          ScheduleStatus: {
            Last: (last ?? new Date(0)).toISOString(),
            Next: next.toISOString(),
            LastUpdated: started.toISOString(),
          },
          IsPastDue: started.getTime() - slot.getTime() > 1000,
        };
        last = started;
        try {
          const response = await invokeRegistered(reg, [{ name: triggerName, data: { json: JSON.stringify(input) } }]);
          await flushOutputs(reg, response);
        } catch (e) {
          this.onError(reg.metadata.name, e);
        }
      };
      const arm = (after: Date) => {
        if (this.stopped) return;
        const slot = schedule.next(after);
        const timer = setTimeout(
          () => {
            this.timers.delete(timer);
            const p = run(slot).finally(() => {
              this.running.delete(p);
              arm(this.now() > slot ? this.now() : slot);
            });
            this.running.add(p);
          },
          Math.max(0, slot.getTime() - this.now().getTime()),
        );
        this.timers.add(timer);
      };
      if (t.runOnStartup === true) {
        const p = run(this.now()).finally(() => this.running.delete(p));
        this.running.add(p);
      }
      arm(this.now());
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}
