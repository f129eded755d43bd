import { describe, expect, it } from "vitest";
import {
  RENDER_ALL_UP_TO,
  columnsOf,
  keyTarget,
  lineAt,
  lineCount,
  lineTops,
  listWindow,
  scrollToShow,
  typicalHeight,
} from "./window";

const GAP = 10;
const uniform = (lines: number, height = 100) => lineTops(lines, () => height, GAP);

/** Where each rendered line really sits, built the way the browser lays out the list. */
function layout(count: number, columns: number, heightOf: (line: number) => number, scrollTop: number, viewport: number) {
  const tops = lineTops(lineCount(count, columns), heightOf, GAP);
  const w = listWindow({ count, columns, tops, gap: GAP, scrollTop, viewport, overscan: 200 });
  // spacer, gap, line, gap, line, ..., gap, spacer
  let y = w.before > 0 ? w.before + GAP : 0;
  const placed: number[] = [];
  for (let line = w.start / columns; line * columns < w.end; line++) {
    placed.push(y);
    y += heightOf(line) + GAP;
  }
  const total = (w.after > 0 ? y + w.after : y - GAP);
  return { w, tops, placed, total };
}

describe("windowing", () => {
  it("renders every row of a short list, without spacers", () => {
    const tops = uniform(RENDER_ALL_UP_TO);
    const w = listWindow({ count: RENDER_ALL_UP_TO, columns: 1, tops, gap: GAP, scrollTop: 2000, viewport: 300, overscan: 0 });
    expect(w).toEqual({ start: 0, end: RENDER_ALL_UP_TO, before: 0, after: 0 });
  });

  it("renders the visible lines and the overscan around them", () => {
    const tops = uniform(1000);
    // Lines are 110 px apart; 2,200..2,500 visible, 200 px more each side: 2,000..2,700.
    const w = listWindow({ count: 1000, columns: 1, tops, gap: GAP, scrollTop: 2200, viewport: 300, overscan: 200 });
    expect(w.start).toBe(18); // 18 × 110 = 1,980 ≤ 2,000 < 2,090
    expect(w.end).toBe(25); // line 24 starts at 2,640 < 2,700; line 25 at 2,750
    expect(w.before).toBe(18 * 110 - GAP);
    expect(w.after).toBe((1000 - 25) * 110 - GAP);
  });

  it("places rendered rows exactly where the full list would, and keeps the full height", () => {
    const heightOf = (line: number) => (line % 7 === 3 ? 180 : 100);
    for (const [columns, scrollTop] of [[1, 0], [1, 5000], [3, 9000], [3, 0], [2, 1e9]] as const) {
      const count = 1000;
      const { w, tops, placed, total } = layout(count, columns, heightOf, scrollTop, 600);
      const firstLine = w.start / columns;
      placed.forEach((y, i) => expect(y).toBe(tops[firstLine + i]));
      expect(total).toBe((tops[tops.length - 1] ?? 0) - GAP);
    }
  });

  it("renders whole lines of a grid, the last one possibly short", () => {
    const count = 1000;
    const columns = 3;
    const tops = uniform(lineCount(count, columns));
    const bottom = listWindow({ count, columns, tops, gap: GAP, scrollTop: 1e9, viewport: 600, overscan: 0 });
    expect(bottom.start % columns).toBe(0);
    expect(bottom.end).toBe(count);
    expect(bottom.after).toBe(0);
    const top = listWindow({ count, columns, tops, gap: GAP, scrollTop: 0, viewport: 600, overscan: 0 });
    expect(top.start).toBe(0);
    expect(top.before).toBe(0);
    expect(top.end % columns).toBe(0);
  });

  it("finds the line at a height, clamped to the list", () => {
    const tops = uniform(5); // 0, 110, 220, 330, 440, 550
    expect(lineAt(tops, -50)).toBe(0);
    expect(lineAt(tops, 0)).toBe(0);
    expect(lineAt(tops, 109)).toBe(0);
    expect(lineAt(tops, 110)).toBe(1);
    expect(lineAt(tops, 545)).toBe(4);
    expect(lineAt(tops, 99999)).toBe(4);
    expect(lineAt([0], 10)).toBe(0);
  });

  it("scrolls as little as needed to show a line", () => {
    const tops = uniform(100);
    expect(scrollToShow(tops, 5, GAP, 1000, 300)).toBe(550); // above: to its top
    expect(scrollToShow(tops, 20, GAP, 1000, 300)).toBe(2200 + 100 - 300); // below: its bottom at the bottom
    expect(scrollToShow(tops, 10, GAP, 1000, 300)).toBe(1000); // visible: stay
    expect(scrollToShow(tops, 3, GAP, 300, 50)).toBe(330); // taller than the view: its top
  });

  it("estimates unmeasured lines by the most common measured height", () => {
    expect(typicalHeight([], 120)).toBe(120);
    expect(typicalHeight([118, 260, 118, 140, 118], 120)).toBe(118);
  });

  it("counts grid columns from the computed style", () => {
    expect(columnsOf("none")).toBe(1);
    expect(columnsOf("")).toBe(1);
    expect(columnsOf("340px")).toBe(1);
    expect(columnsOf("312.5px 312.5px 312.5px")).toBe(3);
    expect(columnsOf("[a] 300px [b] 300px")).toBe(2);
  });
});

describe("keyboard movement", () => {
  it("moves a line up and down, one item per line on a phone", () => {
    expect(keyTarget("ArrowDown", 0, 10, 1, 5)).toBe(1);
    expect(keyTarget("ArrowUp", 1, 10, 1, 5)).toBe(0);
    expect(keyTarget("ArrowUp", 0, 10, 1, 5)).toBeNull();
    expect(keyTarget("ArrowDown", 9, 10, 1, 5)).toBeNull();
    expect(keyTarget("Tab", 3, 10, 1, 5)).toBeNull();
  });

  it("moves by columns in a grid, to the last item below a short last line", () => {
    // 3 columns, 8 items: lines [0 1 2] [3 4 5] [6 7]
    expect(keyTarget("ArrowDown", 1, 8, 3, 5)).toBe(4);
    expect(keyTarget("ArrowDown", 5, 8, 3, 5)).toBe(7);
    expect(keyTarget("ArrowDown", 7, 8, 3, 5)).toBeNull();
    expect(keyTarget("ArrowUp", 7, 8, 3, 5)).toBe(4);
    expect(keyTarget("ArrowUp", 2, 8, 3, 5)).toBeNull();
  });

  it("pages and jumps to the ends", () => {
    expect(keyTarget("PageDown", 0, 1000, 1, 6)).toBe(6);
    expect(keyTarget("PageDown", 998, 1000, 1, 6)).toBe(999);
    expect(keyTarget("PageUp", 3, 1000, 1, 6)).toBe(0);
    expect(keyTarget("PageDown", 1, 1000, 3, 2)).toBe(7);
    expect(keyTarget("PageDown", 994, 1000, 3, 10)).toBe(997); // same column, last full line
    expect(keyTarget("PageDown", 995, 1000, 3, 10)).toBe(998);
    expect(keyTarget("PageDown", 996, 1000, 3, 10)).toBe(999);
    expect(keyTarget("PageUp", 4, 1000, 3, 10)).toBe(1); // same column, first line
    expect(keyTarget("Home", 500, 1000, 3, 6)).toBe(0);
    expect(keyTarget("End", 500, 1000, 3, 6)).toBe(999);
    expect(keyTarget("Home", 0, 1000, 3, 6)).toBeNull();
  });
});
