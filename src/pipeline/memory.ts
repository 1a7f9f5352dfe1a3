/**
 * The memory budget: one number from which the store's memory limit follows, and a guard that
 * watches the process's resident memory and pushes receivers back while it is over the budget, so
 * no input rate can make Vigil run out of memory. Each queue and buffer has its own cap too; the
 * guard is what holds when their sum, DuckDB and the garbage collector's lag add up.
 */
import { totalmem } from 'node:os';

/** Default: a quarter of the machine's memory, between 512 MB and 4 GB. */
export function defaultBudgetMb(): number {
  return Math.min(4096, Math.max(512, Math.floor(totalmem() / 4 / 2 ** 20)));
}

/** The store's share of the budget, as DuckDB's memory_limit. */
export function storeMemoryLimit(budgetMb: number): string {
  return `${Math.max(64, Math.floor(budgetMb * 0.4))}MB`;
}

export interface PressureTarget {
  setMemoryPressure(on: boolean): void;
}

/**
 * Checks resident memory every `intervalMs`: over the budget turns pressure on (and asks V8 for
 * a collection when it can), under 90% of it turns pressure off.
 */
export class MemoryGuard {
  private timer: NodeJS.Timeout | undefined;
  private over = false;
  /** Times the guard pushed back. */
  trips = 0;

  constructor(
    private readonly budgetBytes: number,
    private readonly target: PressureTarget,
    private readonly onChange: (over: boolean, rss: number) => void = () => undefined,
    private readonly rss: () => number = () => process.memoryUsage.rss(),
  ) {}

  start(intervalMs = 200): void {
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.over) this.target.setMemoryPressure(false);
  }

  check(): void {
    const rss = this.rss();
    if (!this.over && rss > this.budgetBytes) {
      this.over = true;
      this.trips++;
      this.target.setMemoryPressure(true);
      this.onChange(true, rss);
    } else if (this.over && rss < this.budgetBytes * 0.9) {
      this.over = false;
      this.target.setMemoryPressure(false);
      this.onChange(false, rss);
    }
  }
}
