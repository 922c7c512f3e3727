import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../app/App";
import { fakeApi } from "../test/fakeApi";

afterEach(cleanup);

describe("Settings → Notifications", () => {
  it("is off until an inbox is checked, and shows no content until allowed", async () => {
    const state = {
      show_content: false,
      inboxes: [
        { inbox_id: 1, kind: "local", address: "local", watched: false },
        { inbox_id: 2, kind: "gmail", address: "support@example.com", watched: false },
      ],
    };
    const watchInbox = vi.fn((id: number, on: boolean) => {
      state.inboxes = state.inboxes.map((i) => (i.inbox_id === id ? { ...i, watched: on } : i));
      return Promise.resolve();
    });
    const showNotificationContent = vi.fn((on: boolean) => {
      state.show_content = on;
      return Promise.resolve();
    });
    render(
      <App
        api={fakeApi({
          notificationSettings: () => Promise.resolve(structuredClone(state)),
          watchInbox,
          showNotificationContent,
        })}
        initialPath="/settings/notifications"
      />,
    );
    const boxes = await screen.findAllByTestId("notify-inbox");
    expect(boxes.map((b) => (b as HTMLInputElement).checked)).toEqual([false, false]);
    const content = screen.getByTestId<HTMLInputElement>("notify-content");
    expect(content.checked).toBe(false);

    fireEvent.click(boxes[1] as HTMLElement);
    await waitFor(() => expect(watchInbox).toHaveBeenCalledWith(2, true));
    await screen.findByText("New mail in support@example.com will raise a notification");
    await waitFor(() => expect((screen.getAllByTestId("notify-inbox")[1] as HTMLInputElement).checked).toBe(true));

    fireEvent.click(content);
    await waitFor(() => expect(showNotificationContent).toHaveBeenCalledWith(true));
    await waitFor(() => expect(screen.getByTestId<HTMLInputElement>("notify-content").checked).toBe(true));
  });
});
