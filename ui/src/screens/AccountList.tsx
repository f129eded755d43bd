// The account list, windowed: a long list renders only the rows in and near the view, with a
// spacer for the rest, so refreshing 1,000 codes or typing a search costs what the screen
// shows. Rows say their place in the whole list (aria-posinset, aria-setsize); arrow keys,
// Page Up/Down, Home and End move between rows, scrolling the target into the window.
import { useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { AccountView } from "../api";
import {
  RENDER_ALL_UP_TO,
  columnsOf,
  keyTarget,
  lineCount,
  lineTops,
  listWindow,
  scrollToShow,
  typicalHeight,
} from "../logic/window";
import { AccountRow } from "./AccountRow";

/** A line's height before any was measured (a row with its next code, on a phone). */
const FIRST_ESTIMATE = 130;
/** Rendered beyond the view, above and below, in views (scrolling within it renders nothing). */
const OVERSCAN = 0.5;
/** Row controls that keyboard movement keeps: from a star to the star of the next row. */
const CONTROLS = ["code", "star", "edit-button", "next-button", "move-up", "move-down"];

interface Box {
  viewport: number;
  width: number;
  columns: number;
  gap: number;
}

export function AccountList(props: {
  accounts: readonly AccountView[];
  showNext: boolean;
  onEdit: (account: AccountView) => void;
  onRemove: (account: AccountView) => void;
  /** Custom order: rows move (buttons, Alt+Up/Down, drag). */
  movable: boolean;
  /** Moves the shown account at `index` by one place; resolves once the list has it. */
  onMove: (index: number, delta: -1 | 1) => Promise<void>;
  onDrop: (draggedId: string, target: AccountView) => void;
  /** Changes when the search or filter does: back to the top. */
  resetKey: string;
}) {
  const { accounts, showNext } = props;
  const list = useRef<HTMLUListElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [box, setBox] = useState<Box>({ viewport: 800, width: 0, columns: 1, gap: 10 });
  // Measured line heights, by the id of the line's first account (valid for one layout).
  const heights = useRef(new Map<string, number>());
  const [measured, setMeasured] = useState(0);
  const [estimate, setEstimate] = useState(FIRST_ESTIMATE);
  const pendingFocus = useRef<{ index: number; control: string } | null>(null);

  const count = accounts.length;
  const windowed = count > RENDER_ALL_UP_TO;
  const { columns, gap, viewport } = box;
  const tops = useMemo(
    () =>
      windowed
        ? lineTops(
            lineCount(count, columns),
            (line) => heights.current.get(accounts[line * columns]?.id ?? "") ?? estimate,
            gap,
          )
        : [],
    [accounts, columns, gap, estimate, measured, windowed],
  );
  const overscan = Math.max(200, viewport * OVERSCAN);
  const range = listWindow({ count, columns, tops, gap, scrollTop, viewport, overscan });

  // The view's size and the grid's columns: now, and whenever the list is resized.
  useLayoutEffect(() => {
    const element = list.current;
    if (!element) return;
    const measure = () => {
      const style = getComputedStyle(element);
      const next: Box = {
        viewport: element.clientHeight,
        width: element.clientWidth,
        columns: columnsOf(style.gridTemplateColumns),
        gap: parseFloat(style.rowGap) || 0,
      };
      setBox((prev) =>
        prev.viewport === next.viewport &&
        prev.width === next.width &&
        prev.columns === next.columns &&
        prev.gap === next.gap
          ? prev
          : next,
      );
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // Heights measured for another width or row content no longer hold.
  useLayoutEffect(() => {
    heights.current.clear();
    setMeasured((n) => n + 1);
  }, [box.width, columns, showNext]);

  useLayoutEffect(() => {
    if (list.current) list.current.scrollTop = 0;
    setScrollTop(0);
  }, [props.resetKey]);

  // After each render: measure the rendered lines (a line is as tall as its tallest row), and
  // move the focus where a key asked once its row is rendered.
  useLayoutEffect(() => {
    const element = list.current;
    if (!element) return;
    if (windowed) {
      const lines = new Map<string, number>();
      for (const row of element.querySelectorAll<HTMLElement>(":scope > .account")) {
        const index = Number(row.dataset["index"]);
        const id = accounts[index - (index % columns)]?.id;
        if (id !== undefined) lines.set(id, Math.max(lines.get(id) ?? 0, row.offsetHeight));
      }
      let changed = false;
      for (const [id, height] of lines) {
        if (heights.current.get(id) !== height) {
          heights.current.set(id, height);
          changed = true;
        }
      }
      if (changed) {
        setEstimate(typicalHeight(heights.current.values(), FIRST_ESTIMATE));
        setMeasured((n) => n + 1);
      }
    }
    const pending = pendingFocus.current;
    if (pending && focusRow(pending.index, pending.control)) pendingFocus.current = null;
  });

  function focusRow(index: number, control: string): boolean {
    const row = list.current?.querySelector<HTMLElement>(`:scope > .account[data-index="${index}"]`);
    if (!row) return false;
    (
      row.querySelector<HTMLElement>(`.${control}:not(:disabled)`) ?? row.querySelector<HTMLElement>(".code")
    )?.focus();
    return true;
  }

  function onScroll() {
    const top = list.current?.scrollTop ?? 0;
    // Render again only when the rows to show change.
    const next = listWindow({ count, columns, tops, gap, scrollTop: top, viewport, overscan });
    if (next.start !== range.start || next.end !== range.end) setScrollTop(top);
  }

  /** Moves a row and keeps the focus on it (its control of the same kind) at its new place. */
  function move(index: number, delta: -1 | 1, control = "code") {
    void props.onMove(index, delta).then(() => {
      const to = index + delta;
      if (!focusRow(to, control)) pendingFocus.current = { index: to, control };
    });
  }

  function onKeyDown(e: KeyboardEvent) {
    // Custom order: Alt+Up/Down moves the focused row.
    if (e.altKey && props.movable && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      const row = (e.target as HTMLElement).closest<HTMLElement>(".account");
      if (!row) return;
      e.preventDefault();
      const index = Number(row.dataset["index"]);
      const delta = e.key === "ArrowUp" ? -1 : 1;
      if (index + delta < 0 || index + delta >= count) return;
      const control = CONTROLS.find((c) => (e.target as HTMLElement).classList.contains(c)) ?? "code";
      move(index, delta, control);
      return;
    }
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const target = e.target as HTMLElement;
    const row = target.closest<HTMLElement>(".account");
    const element = list.current;
    if (!row || !element) return;
    const index = Number(row.dataset["index"]);
    const pageLines = Math.max(1, Math.floor(viewport / (estimate + gap)));
    const to = keyTarget(e.key, index, count, columns, pageLines);
    if (to === null) return;
    e.preventDefault();
    const control = CONTROLS.find((c) => target.classList.contains(c)) ?? "code";
    if (focusRow(to, control)) return;
    // Not rendered: scroll its line into view; the focus follows once it is.
    pendingFocus.current = { index: to, control };
    const top = scrollToShow(tops, Math.floor(to / columns), gap, element.scrollTop, viewport);
    element.scrollTop = top;
    setScrollTop(top);
  }

  // Stable for the rows' memo: the latest move() through a ref.
  const moveRef = useRef(move);
  moveRef.current = move;
  const onMoveButton = useMemo(
    () => (index: number, delta: -1 | 1) => moveRef.current(index, delta, delta < 0 ? "move-up" : "move-down"),
    [],
  );

  const rows = [];
  for (let index = range.start; index < range.end; index++) {
    const account = accounts[index];
    if (!account) continue;
    rows.push(
      <AccountRow
        key={account.id}
        account={account}
        showNext={showNext}
        index={index}
        setSize={count}
        onEdit={props.onEdit}
        onRemove={props.onRemove}
        movable={props.movable}
        onMove={onMoveButton}
        onDrop={props.onDrop}
      />,
    );
  }
  return (
    <ul
      ref={list}
      class="account-list"
      aria-label="Accounts"
      data-count={count}
      data-windowed={windowed}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
    >
      {range.before > 0 && (
        <li key=" before" class="list-spacer" aria-hidden="true" style={{ height: `${range.before}px` }} />
      )}
      {rows}
      {range.after > 0 && (
        <li key=" after" class="list-spacer" aria-hidden="true" style={{ height: `${range.after}px` }} />
      )}
    </ul>
  );
}
