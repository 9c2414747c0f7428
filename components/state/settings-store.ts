// The user's panel settings as a signal. Every view store changes settings
// through here, so each change reaches the glue (which persists it) once, and
// every reader sees the same value.

import { type ReadonlySignal, signal } from '@preact/signals';
import type { PanelSettings } from '../settings';

export class SettingsStore {
  private readonly current;
  /** The settings now; read `.value` in a component to re-render on change. */
  readonly settings: ReadonlySignal<PanelSettings>;

  constructor(
    initial: PanelSettings,
    private readonly persist: (s: PanelSettings) => void,
  ) {
    this.current = signal(initial);
    this.settings = this.current;
  }

  /** The settings now, without subscribing the caller. */
  get value(): PanelSettings {
    return this.current.peek();
  }

  update(patch: Partial<PanelSettings>): void {
    const next = { ...this.current.peek(), ...patch };
    this.current.value = next;
    this.persist(next);
  }
}
