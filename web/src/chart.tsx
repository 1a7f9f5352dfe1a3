/**
 * Time series charts on uPlot: a histogram (bars) whose x range can be brushed with the mouse to
 * zoom, and line charts for dashboard panels. x values are epoch ms. A text summary sits beside
 * the canvas for screen readers.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const PALETTE = ['#2f6fde', '#d9480f', '#2b8a3e', '#9c36b5', '#e67700', '#0b7285', '#c2255c', '#5c940d'];

export interface Series {
  label: string;
  values: number[];
}

export function TimeChart({
  times,
  series,
  bars = false,
  height = 160,
  label,
  onBrush,
}: {
  times: number[];
  series: Series[];
  bars?: boolean;
  height?: number;
  label: string;
  onBrush?: (fromMs: number, toMs: number) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const brush = useRef(onBrush);
  brush.current = onBrush;
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      ms: 1,
      // Tables show UTC; so do the axes.
      tzDate: (ts) => uPlot.tzDate(new Date(ts), 'Etc/UTC'),
      legend: { show: series.length > 1 },
      cursor: { drag: { x: Boolean(onBrush), y: false, setScale: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } },
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' }, size: 50 },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length]!,
          fill: bars ? `${PALETTE[i % PALETTE.length]!}cc` : undefined,
          width: bars ? 0 : 1.5,
          points: { show: false },
          ...(bars ? { paths: uPlot.paths.bars!({ size: [0.9, 60], align: 1 }) } : {}),
        })),
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 2 || !brush.current) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            brush.current(Math.floor(from), Math.ceil(to));
          },
        ],
      },
    };
    const plot = new uPlot(opts, [times, ...series.map((s) => s.values)], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, bars, height, Boolean(onBrush)]);
  const total = series.reduce((sum, s) => sum + s.values.reduce((a, b) => a + b, 0), 0);
  return (
    <figure class="chart">
      <div ref={box} class="chart-canvas" data-testid="chart" aria-hidden="true" />
      <figcaption class="sr-only">
        {label}: {times.length} buckets, {total} in total
        {onBrush ? '; drag across the chart to zoom into a time range' : ''}
      </figcaption>
    </figure>
  );
}
