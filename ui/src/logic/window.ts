// Windowing for the account list: which rows to render for a scroll position, and the spacers
// that stand in for the rest, so a refresh or a keystroke costs what the screen shows rather
// than what the vault holds. The list is laid out in lines (grid rows: one account per line on
// a phone, several on a desktop); a line's height is measured once rendered and estimated
// before. Pixels throughout, measured from the top of the list's content.

/** Lists this long or shorter render every row (cheap, and what find-in-page expects). */
export const RENDER_ALL_UP_TO = 50;

/** The items [start, end) to render, and the spacers' heights before and after them. */
export interface ListWindow {
  start: number;
  end: number;
  before: number;
  after: number;
}

export function lineCount(items: number, columns: number): number {
  return Math.ceil(items / Math.max(1, columns));
}

/**
 * The top of each line, and one more entry: the full height plus one gap. Lines are separated
 * by `gap` (the list's row gap), so line i spans tops[i] .. tops[i + 1] - gap.
 */
export function lineTops(lines: number, heightOf: (line: number) => number, gap: number): number[] {
  const tops = new Array<number>(lines + 1);
  let y = 0;
  for (let line = 0; line < lines; line++) {
    tops[line] = y;
    y += heightOf(line) + gap;
  }
  tops[lines] = y;
  return tops;
}

/** The line at height y: the last line starting at or above it (0 above the list). */
export function lineAt(tops: readonly number[], y: number): number {
  let low = 0;
  let high = tops.length - 2; // the last line
  if (high < 0) return 0;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((tops[mid] ?? 0) <= y) low = mid;
    else high = mid - 1;
  }
  return low;
}

export interface WindowInput {
  count: number;
  columns: number;
  /** From lineTops, for lineCount(count, columns) lines. */
  tops: readonly number[];
  gap: number;
  scrollTop: number;
  /** The visible height. */
  viewport: number;
  /** Extra height rendered above and below the visible part. */
  overscan: number;
}

/**
 * The rows to render. The spacers replace whole lines with the gaps between them: the list's
 * own gap separates a spacer from the first and last rendered line, so the spacers leave it out.
 */
export function listWindow(input: WindowInput): ListWindow {
  const { count, columns, tops, gap, scrollTop, viewport, overscan } = input;
  if (count <= RENDER_ALL_UP_TO) return { start: 0, end: count, before: 0, after: 0 };
  const lines = tops.length - 1;
  const first = lineAt(tops, scrollTop - overscan);
  const last = lineAt(tops, scrollTop + viewport + overscan);
  const at = (line: number) => tops[line] ?? 0;
  return {
    start: first * columns,
    end: Math.min(count, (last + 1) * columns),
    before: first > 0 ? at(first) - gap : 0,
    after: last < lines - 1 ? at(lines) - at(last + 1) - gap : 0,
  };
}

/** The height most measured lines have: the estimate for lines not measured yet. */
export function typicalHeight(heights: Iterable<number>, fallback: number): number {
  const counts = new Map<number, number>();
  let best = fallback;
  let most = 0;
  for (const height of heights) {
    const n = (counts.get(height) ?? 0) + 1;
    counts.set(height, n);
    if (n > most) {
      best = height;
      most = n;
    }
  }
  return best;
}

/** The scroll position that shows a whole line, moving as little as possible. */
export function scrollToShow(
  tops: readonly number[],
  line: number,
  gap: number,
  scrollTop: number,
  viewport: number,
): number {
  const top = tops[line] ?? 0;
  const bottom = (tops[line + 1] ?? top + gap) - gap;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewport) return Math.max(0, Math.min(top, bottom - viewport));
  return scrollTop;
}

/** How many columns a computed `grid-template-columns` lays out ("none": a flex list, one). */
export function columnsOf(gridTemplateColumns: string): number {
  const value = gridTemplateColumns.trim();
  if (!value || value === "none") return 1;
  // Computed values list one size per track ("312px 312px 312px"); line names are in brackets.
  return Math.max(1, value.replace(/\[[^\]]*\]/g, " ").trim().split(/\s+/).length);
}

/**
 * Where a navigation key moves the focus in a list of `count` items laid out in `columns`
 * (Down and Up move a line, PageDown and PageUp `pageLines` lines, Home and End to the ends);
 * null for other keys or when there is nowhere to go.
 */
export function keyTarget(
  key: string,
  index: number,
  count: number,
  columns: number,
  pageLines: number,
): number | null {
  const last = count - 1;
  const page = columns * Math.max(1, pageLines);
  let to: number;
  switch (key) {
    case "ArrowDown":
      // Below the end of a shorter last line: its last item.
      to = lineCount(index + 1, columns) < lineCount(count, columns) ? Math.min(last, index + columns) : index;
      break;
    case "ArrowUp":
      to = index >= columns ? index - columns : index;
      break;
    case "PageDown":
      // No further than this column's last item.
      to = Math.min(index + page, last - ((last - (index % columns)) % columns));
      break;
    case "PageUp":
      to = index - page >= 0 ? index - page : index % columns;
      break;
    case "Home":
      to = 0;
      break;
    case "End":
      to = last;
      break;
    default:
      return null;
  }
  return to === index || count === 0 ? null : to;
}
