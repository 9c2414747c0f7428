// The panel's view of each frame's page hook, asked with the hook-status
// command: when the panel opens, as each frame's relay first reaches the
// panel (its history replay: a frame that links later is asked then), and
// when the user clicks to refresh. Replies are kept per document; a reply to
// a command this panel did not send (another panel of the tab, in Firefox,
// where the background forwards replies to every panel of the tab) is not
// taken.

import { computed, signal } from '@preact/signals';
import { formatBytes } from '../../lib/format';
import type { DocumentInfo } from '../../lib/model';
import {
  type CommandError,
  type HookStatus,
  type PanelCommand,
  type PanelCommandReply,
  panelCommand,
} from '../../lib/wire/command';

/** One document's answer. */
export interface FrameHookStatus {
  docId: string;
  url: string;
  top: boolean;
  frameId: number;
  /** When the document started (page clock, epoch ms). */
  startedAt: number;
  outcome: { ok: true; result: HookStatus } | { ok: false; error: CommandError };
}

export interface HookStatusDeps {
  /** Sends a command to every frame of the tab reached now, or to one frame. */
  send(command: PanelCommand<'hook-status'>, frameId?: number): void;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /** Makes this panel's ids its own (letters and digits, a few characters). */
  idPrefix: string;
}

/** A tab none of whose frames has answered by then has none the extension can reach. */
export const NO_ANSWER_MS = 3000;
/** Ids of commands still answerable: enough for every frame of a busy tab. */
const MAX_OPEN_IDS = 256;

export class HookStatusStore {
  /** The latest answer of each document, top frame first. */
  readonly frames = signal<readonly FrameHookStatus[]>([]);
  /** Asked, and no frame answered in NO_ANSWER_MS. */
  readonly unreachable = signal(false);
  readonly summary = computed(() => summarize(this.frames.value, this.unreachable.value));
  readonly details = computed(() => describeFrames(this.frames.value, this.unreachable.value));

  private readonly openIds = new Set<string>();
  private counter = 0;
  private timer: unknown = null;
  private top: { docId: string; startedAt: number } | null = null;

  constructor(private readonly deps: HookStatusDeps) {}

  /** Asks every frame again, forgetting what they said before. */
  refresh(): void {
    this.frames.value = [];
    this.unreachable.value = false;
    this.deps.clearTimer(this.timer);
    this.timer = this.deps.setTimer(() => {
      this.timer = null;
      if (this.frames.value.length === 0) this.unreachable.value = true;
    }, NO_ANSWER_MS);
    this.ask();
  }

  /**
   * A frame's relay has reached the panel (its first, replayed message): asks
   * that frame. A new top document is a new page: the frames of the old one
   * (documents that started before it) go. Its own frames may have reached
   * the panel first, and stay.
   */
  frameAppeared(frameId: number, doc: DocumentInfo): void {
    if (doc.top && doc.docId !== this.top?.docId) {
      this.top = { docId: doc.docId, startedAt: doc.startedAt };
      this.frames.value = this.frames.value.filter((f) => !this.isOlderPage(f));
    }
    this.ask(frameId);
  }

  /** A document of a page the tab has left: it started before the current top document. */
  private isOlderPage(f: { docId: string; startedAt: number }): boolean {
    return this.top !== null && f.docId !== this.top.docId && f.startedAt < this.top.startedAt;
  }

  /** A reply from a relay: true when it answered this panel's command. */
  accept(reply: PanelCommandReply): boolean {
    if (reply.name !== 'hook-status' || !this.openIds.has(reply.id)) return false;
    const entry: FrameHookStatus = {
      docId: reply.doc.docId,
      url: reply.doc.url,
      top: reply.doc.top,
      frameId: reply.frameId,
      startedAt: reply.doc.startedAt,
      outcome: reply.ok
        ? { ok: true, result: reply.result as HookStatus }
        : { ok: false, error: reply.error },
    };
    // A late answer from the page the tab has left is not this page's.
    if (this.isOlderPage(entry)) return true;
    const others = this.frames.value.filter((f) => f.docId !== entry.docId);
    this.frames.value = [...others, entry].sort(
      (a, b) => Number(b.top) - Number(a.top) || a.frameId - b.frameId,
    );
    this.unreachable.value = false;
    return true;
  }

  private ask(frameId?: number): void {
    const id = `${this.deps.idPrefix}-${++this.counter}`;
    this.openIds.add(id);
    // Oldest first: a Set iterates in insertion order.
    if (this.openIds.size > MAX_OPEN_IDS) for (const old of this.openIds) if (this.openIds.delete(old)) break;
    this.deps.send(panelCommand(id, 'hook-status', {}), frameId);
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

const ERROR_TEXT: Record<CommandError, string> = {
  'no-hook':
    'its page hook is not running (the page started before the extension was loaded, or scripts cannot run there)',
  'no-answer': 'its page hook did not answer',
  'invalid-reply': "its page hook's answer was malformed (the page may have tampered with it)",
  busy: 'asked too often; try again in a moment',
};

export const UNREACHABLE_TEXT =
  'No frame of this tab answered: extensions cannot enter this page (a browser page such as chrome:// or about:, or the extension store), or it has not loaded yet.';

function summarize(frames: readonly FrameHookStatus[], unreachable: boolean): string {
  if (frames.length === 0) return unreachable ? 'hook: no answer' : 'hook: asking…';
  let sockets = 0;
  let sources = 0;
  let http = 0;
  let failed = 0;
  for (const f of frames) {
    if (!f.outcome.ok) {
      failed++;
      continue;
    }
    sockets += f.outcome.result.openWebSockets;
    sources += f.outcome.result.openEventSources;
    http += f.outcome.result.httpInFlight;
  }
  const parts = [`hook: ${plural(frames.length - failed, 'frame')}`, `${plural(sockets, 'socket')} open`];
  if (sources > 0) parts.push(`${plural(sources, 'event source')} open`);
  if (http > 0) parts.push(`${http.toLocaleString()} HTTP in flight`);
  if (failed > 0) parts.push(`${plural(failed, 'frame')} without an answer`);
  return parts.join(' · ');
}

function describeFrame(f: FrameHookStatus): string {
  const where = `${f.top ? 'Top frame' : `Frame ${f.frameId}`} ${f.url}`;
  if (!f.outcome.ok) return `${where}: ${ERROR_TEXT[f.outcome.error]}.`;
  const s = f.outcome.result;
  return [
    `${where}:`,
    `  ${plural(s.openWebSockets, 'WebSocket')} open, ${plural(s.openEventSources, 'EventSource')} open, ${s.httpInFlight.toLocaleString()} HTTP in flight`,
    `  ${plural(s.captured, 'record')} captured, ${s.dropped.toLocaleString()} dropped, ${s.queued.toLocaleString()} queued, ${plural(s.batches, 'batch', 'batches')} handed over`,
    `  payload cap ${formatBytes(s.payloadCap)}, ${plural(s.commandsAnswered, 'command')} answered`,
  ].join('\n');
}

function describeFrames(frames: readonly FrameHookStatus[], unreachable: boolean): string {
  if (frames.length === 0)
    return unreachable ? UNREACHABLE_TEXT : "Asking each frame's page hook for its counters…";
  return `${frames.map(describeFrame).join('\n')}\nClick to ask again.`;
}
