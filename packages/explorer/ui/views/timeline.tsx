// The step timeline on a time axis: one row per step (virtualised: only the rows in view are drawn, so an
// instance with 10,000 steps scrolls smoothly), its attempts, retry gaps, sleeps and waits as bars. Rows are
// keyboard-navigable (arrow keys, Home, End); the selected step's details show below.

import { useMemo, useRef, useState } from 'preact/hooks';
import type { InstanceDetails } from '../api.ts';
import { formatDuration, formatTime } from '../format.ts';
import { StepDetails } from './step-details.tsx';
import { ticks, timelineModel, type TimelineRow } from './timeline-model.ts';

const ROW_HEIGHT = 28;
const VIEW_ROWS = 16;
const OVERSCAN = 8;

export function Timeline({ details }: { details: InstanceDetails }) {
  const model = useMemo(() => timelineModel(details, Date.now()), [details]);
  const [scrollTop, setScrollTop] = useState(0);
  const [selected, setSelected] = useState(0);
  const viewport = useRef<HTMLDivElement>(null);
  if (model.rows.length === 0) return <p>No steps recorded yet.</p>;
  const span = model.to - model.from;
  const x = (t: number) => `${(((t - model.from) / span) * 100).toFixed(3)}%`;
  const width = (from: number, to: number) => `max(2px, ${(((to - from) / span) * 100).toFixed(3)}%)`;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(model.rows.length, Math.ceil((scrollTop + VIEW_ROWS * ROW_HEIGHT) / ROW_HEIGHT) + OVERSCAN);
  const select = (index: number) => {
    const next = Math.max(0, Math.min(model.rows.length - 1, index));
    setSelected(next);
    const el = viewport.current;
    if (!el) return;
    if (next * ROW_HEIGHT < el.scrollTop) el.scrollTop = next * ROW_HEIGHT;
    else if ((next + 1) * ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = (next + 1) * ROW_HEIGHT - el.clientHeight;
  };
  const onKey = (event: KeyboardEvent) => {
    const moves: Record<string, number> = {
      ArrowDown: selected + 1,
      ArrowUp: selected - 1,
      Home: 0,
      End: model.rows.length - 1,
      PageDown: selected + VIEW_ROWS,
      PageUp: selected - VIEW_ROWS,
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    select(moves[event.key]!);
  };
  return (
    <div class="timeline">
      <div class="axis" aria-hidden="true">
        <div class="axis-label">{formatTime(new Date(model.from).toISOString())}</div>
        <div class="axis-track">
          {ticks(model.from, model.to).map((t) => (
            <span key={t} class="tick" style={{ left: x(t) }}>
              +{formatDuration(t - model.from)}
            </span>
          ))}
        </div>
      </div>
      <div
        class="rows"
        ref={viewport}
        tabIndex={0}
        role="listbox"
        aria-label={`Steps (${model.rows.length}); arrow keys move`}
        aria-activedescendant={`step-row-${selected}`}
        style={{ height: `${Math.min(model.rows.length, VIEW_ROWS) * ROW_HEIGHT + 2}px` }}
        onScroll={(event) => setScrollTop((event.target as HTMLDivElement).scrollTop)}
        onKeyDown={onKey}
      >
        <div style={{ height: `${model.rows.length * ROW_HEIGHT}px`, position: 'relative' }}>
          {model.rows.slice(first, last).map((row, offset) => (
            <Row key={row.key} row={row} index={first + offset} selected={first + offset === selected} x={x} width={width} onSelect={select} />
          ))}
        </div>
      </div>
      <p class="legend" aria-hidden="true">
        <span class="seg attempt-ok" /> completed attempt <span class="seg attempt-failed" /> failed attempt <span class="seg attempt-running" /> running{' '}
        <span class="seg retry-gap" /> retry delay <span class="seg sleep" /> sleep <span class="seg wait" /> event wait <span class="seg pending" /> next
        attempt pending
      </p>
      <StepDetails row={model.rows[selected]!} />
    </div>
  );
}

function Row(props: {
  row: TimelineRow;
  index: number;
  selected: boolean;
  x: (t: number) => string;
  width: (from: number, to: number) => string;
  onSelect: (index: number) => void;
}) {
  const { row, index } = props;
  return (
    <div
      id={`step-row-${index}`}
      role="option"
      aria-selected={props.selected}
      aria-label={`${row.step.name}, ${row.step.type}, ${row.state}, ${formatDuration(row.to - row.from)}`}
      class={`row${props.selected ? ' selected' : ''}`}
      style={{ top: `${index * ROW_HEIGHT}px`, height: `${ROW_HEIGHT}px` }}
      onClick={() => props.onSelect(index)}
    >
      <div class="row-label" title={row.step.name}>
        <span class="step-name">{row.step.name}</span> <span class={`state state-${row.state.replace(' ', '-')}`}>{row.state}</span>
      </div>
      <div class="row-track">
        {row.segments.map((segment, i) => (
          <span
            key={i}
            class={`seg ${segment.kind}`}
            title={`${segment.label}, ${formatDuration(segment.to - segment.from)}`}
            style={{ left: props.x(segment.from), width: props.width(segment.from, segment.to) }}
          />
        ))}
      </div>
    </div>
  );
}
