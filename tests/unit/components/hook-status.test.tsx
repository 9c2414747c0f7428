// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { HookStatus } from '../../../components/HookStatus';
import { HookStatusStore, NO_ANSWER_MS, UNREACHABLE_TEXT } from '../../../components/state/hook-status-store';
import {
  type CommandError,
  commandReply,
  type HookStatus as HookStatusResult,
  type PanelCommand,
  type PanelCommandReply,
} from '../../../lib/wire/command';

afterEach(cleanup);

const result = (over: Partial<HookStatusResult> = {}): HookStatusResult => ({
  captured: 10,
  dropped: 0,
  queued: 0,
  batches: 2,
  payloadCap: 1024 * 1024,
  openWebSockets: 1,
  openEventSources: 0,
  httpInFlight: 0,
  commandsAnswered: 1,
  ...over,
});
const docOf = (docId: string, top: boolean, startedAt = 1_700_000_000_000) => ({
  docId,
  url: `https://app.test/${docId}`,
  title: '',
  top,
  startedAt,
});

function setup() {
  const sent: Array<{ command: PanelCommand<'hook-status'>; frameId: number | undefined }> = [];
  const timers: Array<() => void> = [];
  const store = new HookStatusStore({
    send: (command, frameId) => sent.push({ command, frameId }),
    setTimer(fn, ms) {
      expect(ms).toBe(NO_ANSWER_MS);
      timers.push(fn);
      return timers.length;
    },
    clearTimer() {},
    idPrefix: 'abc',
  });
  const reply = (
    id: string,
    docId: string,
    frameId: number,
    outcome: { result: HookStatusResult } | { error: CommandError },
    startedAt?: number,
  ): PanelCommandReply => ({
    ...commandReply(
      id,
      'hook-status',
      docOf(docId, frameId === 0, startedAt),
      'result' in outcome ? { ok: true, result: outcome.result } : { ok: false, error: outcome.error },
    ),
    tabId: 1,
    frameId,
  });
  return { store, sent, timers, reply };
}

describe('HookStatusStore', () => {
  it('asks every frame on refresh and each frame as it appears, under ids of its own', () => {
    const { store, sent } = setup();
    store.refresh();
    store.frameAppeared(0, docOf('top', true));
    store.frameAppeared(3, docOf('child', false));
    expect(sent.map((s) => [s.command.id, s.command.name, s.frameId])).toEqual([
      ['abc-1', 'hook-status', undefined],
      ['abc-2', 'hook-status', 0],
      ['abc-3', 'hook-status', 3],
    ]);
    expect(store.summary.value).toBe('hook: asking…');
  });

  it('sums the frames that answered, top first, and lists each in the details', () => {
    const { store, reply } = setup();
    store.refresh();
    expect(
      store.accept(reply('abc-1', 'child', 3, { result: result({ openWebSockets: 2, httpInFlight: 4 }) })),
    ).toBe(true);
    expect(store.accept(reply('abc-1', 'top', 0, { result: result({ openEventSources: 1 }) }))).toBe(true);
    expect(store.summary.value).toBe(
      'hook: 2 frames · 3 sockets open · 1 event source open · 4 HTTP in flight',
    );
    const details = store.details.value;
    expect(details.indexOf('Top frame https://app.test/top:')).toBe(0);
    expect(details).toContain('Frame 3 https://app.test/child:');
    expect(details).toContain('2 WebSockets open, 0 EventSources open, 4 HTTP in flight');
    expect(details).toContain('10 records captured, 0 dropped, 0 queued, 2 batches handed over');
    expect(details).toContain('payload cap 1.0 MB, 1 command answered');
  });

  it('takes only replies to its own commands, and a newer answer replaces a document’s older one', () => {
    const { store, reply } = setup();
    store.refresh();
    expect(store.accept(reply('xyz-1', 'top', 0, { result: result({ openWebSockets: 999 }) }))).toBe(false);
    expect(store.accept(reply('abc-9', 'top', 0, { result: result() }))).toBe(false);
    expect(store.frames.value).toEqual([]);
    store.accept(reply('abc-1', 'top', 0, { result: result() }));
    store.accept(reply('abc-1', 'top', 0, { result: result({ openWebSockets: 5 }) }));
    expect(store.summary.value).toBe('hook: 1 frame · 5 sockets open');
  });

  it('says so when no frame answers, and names a frame whose hook is missing', () => {
    const { store, timers, reply } = setup();
    store.refresh();
    timers.shift()?.();
    expect(store.unreachable.value).toBe(true);
    expect(store.summary.value).toBe('hook: no answer');
    expect(store.details.value).toBe(UNREACHABLE_TEXT);
    store.accept(reply('abc-1', 'top', 0, { error: 'no-hook' }));
    expect(store.unreachable.value).toBe(false);
    expect(store.summary.value).toBe('hook: 0 frames · 0 sockets open · 1 frame without an answer');
    expect(store.details.value).toContain('its page hook is not running');
  });

  it('an answer before the deadline keeps the tab from being called unreachable', () => {
    const { store, timers, reply } = setup();
    store.refresh();
    store.accept(reply('abc-1', 'top', 0, { result: result() }));
    timers.shift()?.();
    expect(store.unreachable.value).toBe(false);
  });

  it("a new top document is a new page: the old page's frames go, its own frames stay, whichever came first", () => {
    const { store, reply } = setup();
    store.frameAppeared(0, docOf('page1', true, 1000));
    store.frameAppeared(2, docOf('frame1', false, 1001));
    store.accept(reply('abc-1', 'page1', 0, { result: result() }, 1000));
    store.accept(reply('abc-2', 'frame1', 2, { result: result() }, 1001));
    expect(store.frames.value).toHaveLength(2);
    // The new page's frame answers before its top document reaches the panel.
    store.frameAppeared(5, docOf('frame2', false, 2001));
    store.accept(reply('abc-3', 'frame2', 5, { result: result() }, 2001));
    store.frameAppeared(0, docOf('page2', true, 2000));
    expect(store.frames.value.map((f) => f.docId)).toEqual(['frame2']);
    // A late answer of the old page is not this page's.
    store.accept(reply('abc-2', 'frame1', 2, { result: result() }, 1001));
    expect(store.frames.value.map((f) => f.docId)).toEqual(['frame2']);
  });
});

describe('HookStatus', () => {
  it('shows the summary, the details as its tooltip, and asks again when clicked', async () => {
    const { store, sent, reply } = setup();
    store.refresh();
    render(<HookStatus store={store} />);
    const button = screen.getByTestId('hook-status');
    expect(button.textContent).toBe('hook: asking…');
    await act(() => {
      store.accept(reply('abc-1', 'top', 0, { result: result() }));
    });
    expect(button.textContent).toBe('hook: 1 frame · 1 socket open');
    expect(button.getAttribute('title')).toContain('1 command answered');
    fireEvent.click(button);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.frameId).toBeUndefined();
    expect(button.textContent).toBe('hook: asking…');
  });
});
