// The window's panes: sidebar · (list · thread), resizable by dragging or with the arrow keys on
// their separators (react-resizable-panels), the widths remembered in the window's storage.
// A narrow window (≤ 1000 px) shows the list or the open thread, not both.
import { useSyncExternalStore, type ReactNode } from "react";
import { Group, Panel, Separator, useDefaultLayout } from "react-resizable-panels";

/** Where the widths are kept between runs (the window's own localStorage). */
export const WINDOW_LAYOUT_ID = "helpr-window";
export const PANES_LAYOUT_ID = "helpr-panes";

const NARROW = "(max-width: 1000px)";

/** Whether the window is narrow; follows resizes. */
function useNarrow(): boolean {
  return useSyncExternalStore(
    (changed) => {
      const query = window.matchMedia(NARROW);
      query.addEventListener("change", changed);
      return () => query.removeEventListener("change", changed);
    },
    () => window.matchMedia(NARROW).matches,
  );
}

/** Sidebar and the rest, the sidebar's width kept in pixels when the window resizes. */
export function WindowLayout({ className, sidebar, children }: { className: string; sidebar: ReactNode; children: ReactNode }) {
  const saved = useDefaultLayout({ id: WINDOW_LAYOUT_ID, storage: localStorage });
  return (
    <Group
      id={WINDOW_LAYOUT_ID}
      className={className}
      orientation="horizontal"
      defaultLayout={saved.defaultLayout}
      onLayoutChanged={saved.onLayoutChanged}
    >
      <Panel id="sidebar-panel" defaultSize={232} minSize={180} maxSize={400} groupResizeBehavior="preserve-pixel-size">
        {sidebar}
      </Panel>
      <Separator className="pane-separator" aria-label="Resize the sidebar" />
      <Panel id="main-panel" minSize={480}>
        {children}
      </Panel>
    </Group>
  );
}

/**
 * The list and the reading pane side by side. In a narrow window both stay mounted (the list
 * keeps its place) and the stylesheet shows the open thread or the list (`.thread-open`).
 */
export function Panes({ list, thread }: { list: ReactNode; thread: ReactNode }) {
  const narrow = useNarrow();
  const saved = useDefaultLayout({ id: PANES_LAYOUT_ID, storage: localStorage });
  if (narrow) {
    return (
      <main className="panes narrow">
        {list}
        {thread}
      </main>
    );
  }
  return (
    <main className="panes">
      <Group
        id={PANES_LAYOUT_ID}
        orientation="horizontal"
        defaultLayout={saved.defaultLayout}
        onLayoutChanged={saved.onLayoutChanged}
      >
        <Panel id="list-panel" defaultSize={420} minSize={300} maxSize={760} groupResizeBehavior="preserve-pixel-size">
          {list}
        </Panel>
        <Separator className="pane-separator" aria-label="Resize the conversation list" data-testid="list-separator" />
        <Panel id="thread-panel" minSize={360}>
          {thread}
        </Panel>
      </Group>
    </main>
  );
}
